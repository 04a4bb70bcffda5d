# Realistic regime, distill-then-fine-tune, stage 2: the plain student and schedule, its
# backbone initialised from stage 1 (retinanet_r18_parts_pt-dft-distill.py, which started
# from the pretrained backbone), exactly as retinanet_r18_parts_dft.py.
_base_ = ['./retinanet_r18_parts_dft.py']
