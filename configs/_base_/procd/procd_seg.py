# ProC-KD settings shared by segmentor students (augmentation on the decode heads' inputs):
# those of detectors, with the guided pass at the augmentation neck (guided_input='aug').
_base_ = ['./procd_det.py']
