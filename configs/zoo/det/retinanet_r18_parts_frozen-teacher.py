# Control: the frozen teacher is the student's backbone (stem and all stages frozen, BatchNorm
# in eval mode); only the FPN and the head train. What ProC-KD gains beyond this row is more
# than reading the teacher's features.
_base_ = ['./retinanet_r18_parts_init-teacher.py']
model = dict(backbone=dict(frozen_stages=4, norm_eval=True))
