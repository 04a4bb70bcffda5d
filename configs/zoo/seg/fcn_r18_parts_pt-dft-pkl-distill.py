# As fcn_r18_parts_pt-dft-pkd-distill.py, with the 'pkl' objective
# of ../_base_/backbone_distill.py.
_base_ = ['./fcn_r18_parts_pt-dft-pkd-distill.py']
model = _base_.bd_objectives['pkl']  # merged: the objective's type and teacher levels
