# No distillation: the student alone, same data and schedule as every other method.
_base_ = ['../_base_/procd_parts_det.py']
