# Realistic regime, distill-then-fine-tune, stage 1: fcn_r18_parts_dft-distill.py with the
# student's backbone pretrained and the ResNet-50 teacher. Stage 2 is fcn_r18_parts_pt-dft.py.
_base_ = ['./fcn_r18_parts_dft-distill.py', '../_base_/pretrained_regime.py']
model = dict(student=dict(backbone=dict(init_cfg=_base_.student_init_v1c)),
             teacher=_base_.teacher_r50, teacher_ckpt=_base_.teacher_r50_ckpt)
