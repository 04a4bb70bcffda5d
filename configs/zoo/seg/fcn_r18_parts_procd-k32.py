# Ablation: ProC-KD with K = 32 prototypes (the detection default; segmentation uses 8).
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(proto_head=dict(num_prototypes=32))
