# The zoo's teacher: ResNet-18 pretrained on ProC-Parts classification (10 classes, 1200 images)
# by configs/zoo/teacher_r18_procd-parts-cls.py. Its label space differs from the students'.
# Three stages (strides 8, 16, 32) feed the prototype head; the classifier's ``backbone.``
# prefix is stripped when the checkpoint is loaded.
teacher = dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, 2, 3), init_cfg=None)
teacher_ckpt = 'work_dirs/zoo/teacher/teacher_r18_procd-parts.pth'
# What configs/zoo/teacher_r18_procd-parts-cls.py trains on: RGB, ImageNet mean/std.
teacher_input = dict(rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
