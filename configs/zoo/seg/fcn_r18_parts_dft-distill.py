# Distill-then-fine-tune, stage 1: as det/retinanet_r18_parts_dft-distill.py, for the FCN
# student; stage 2 is fcn_r18_parts_dft.py. (Its ResNetV1c deep stem differs from the
# teacher's ResNet, so the zoo has no init-from-teacher segmentation rows.)
_base_ = ['./fcn_r18_parts_pkd-bb.py']
model = dict(student_weight=0.0)
train_cfg = _base_.dft_stage1.train_cfg
param_scheduler = _base_.dft_stage1.param_scheduler
default_hooks = _base_.dft_stage1.default_hooks
