# Peer: no distillation loss; the student's backbone starts from the teacher's weights (both
# are ResNet-18 with the same parameter names) and is fine-tuned with the plain schedule.
# run_zoo.py points the checkpoint at its run's teacher.
_base_ = ['../_base_/procd_parts_det.py', '../_base_/teacher_r18_parts.py']
model = dict(backbone=dict(
    init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=_base_.teacher_ckpt,
                  prefix='backbone.')))
