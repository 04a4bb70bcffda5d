# Control of fcn_r18_parts_pt-dft-proto-distill.py: a randomly initialised
# ResNet-50 teacher. Stage 2 is fcn_r18_parts_pt-dft-proto-randteacher.py.
_base_ = ['./fcn_r18_parts_pt-dft-proto-distill.py']
model = dict(teacher_ckpt=None)
