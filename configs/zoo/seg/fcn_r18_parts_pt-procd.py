# Realistic regime: fcn_r18_parts_procd.py with the student's backbone pretrained and the
# ResNet-50 teacher.
_base_ = ['./fcn_r18_parts_procd.py', '../_base_/pretrained_regime.py']
model = dict(student=dict(backbone=dict(init_cfg=_base_.student_init_v1c)),
             teacher=_base_.teacher_r50, teacher_ckpt=_base_.teacher_r50_ckpt)
