# Ablation and recipe candidate (docs/plans/one_recipe.md): ProC-KD without the logit KL,
# as the detection default has none.
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(loss_kl=None)
