# Ablation: ProC-KD with K = 8 prototypes.
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(proto_head=dict(num_prototypes=8))
