# Stage 2 of fcn_r18_parts_pt-dft-proto-randteacher-distill.py: the plain student and
# schedule, its backbone initialised from stage 1's backbone.pth (run_zoo.py points the
# checkpoint at it).
_base_ = ['./fcn_r18_parts_pt-dft.py']
