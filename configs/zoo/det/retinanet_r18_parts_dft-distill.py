# Distill-then-fine-tune, stage 1 (as ScaleKD and LightlyTrain pretrain a student): the
# student's backbone stages mimic the teacher's (PKD, one to one) on the training images
# without their labels (student_weight=0: no task loss, the neck and head do not run), for
# half the plain schedule (zoo_methods.py). Stage 2 is retinanet_r18_parts_dft.py.
_base_ = ['./retinanet_r18_parts_pkd-bb.py']
model = dict(student_weight=0.0)
train_cfg = _base_.dft_stage1.train_cfg
param_scheduler = _base_.dft_stage1.param_scheduler
default_hooks = _base_.dft_stage1.default_hooks
