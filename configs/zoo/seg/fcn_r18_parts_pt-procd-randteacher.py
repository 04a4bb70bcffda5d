# Realistic regime, control: ProC-KD with a randomly initialised ResNet-50 teacher.
_base_ = ['./fcn_r18_parts_pt-procd.py']
model = dict(teacher_ckpt=None)
