# PKD on the backbone stages: each teacher stage against the student stage of the same
# stride (one to one), instead of the last teacher stage at the levels the heads read.
_base_ = ['./retinanet_r18_parts_pkd.py']
model = dict(mimic='backbone', teacher_levels=[0, 1, 2])
