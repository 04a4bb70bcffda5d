# ProC-KD settings shared by segmentor students (augmentation on the decode heads' inputs):
# those of detectors. No logit KL: the zoo's val-split choice dropped it
# (docs/plans/one_recipe_results.md).
_base_ = ['./procd_det.py']
