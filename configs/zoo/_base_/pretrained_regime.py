# The realistic regime: the student's backbone starts from its own classification
# pretraining and the teacher is the larger ResNet-50
# (configs/zoo/teacher_r50_procd-parts-cls-large.py), three stages (strides 8, 16, 32;
# 512/1024/2048 channels). Same input convention as the R18 teacher. The detector's ResNet-18
# is pretrained by configs/zoo/student_r18_procd-parts-cls-pretrain.py, the segmentor's
# ResNetV1c-18 (deep stem) by configs/zoo/student_r18v1c_procd-parts-cls-pretrain.py, on the
# same classification split.
student_init = dict(_delete_=True, type='Pretrained', prefix='backbone.',
                    checkpoint='work_dirs/zoo/student_r18/student_r18_procd-parts-pretrain.pth')
student_init_v1c = dict(
    _delete_=True, type='Pretrained', prefix='backbone.',
    checkpoint='work_dirs/zoo/student_r18v1c/student_r18v1c_procd-parts-pretrain.pth')
teacher_r50 = dict(type='mmpretrain.ResNet', depth=50, out_indices=(1, 2, 3), init_cfg=None)
teacher_r50_ckpt = 'work_dirs/zoo/teacher_r50/teacher_r50_procd-parts-large.pth'
