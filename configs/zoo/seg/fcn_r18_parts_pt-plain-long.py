# Compute-matched control (docs/plans/pipeline.md, step C): fcn_r18_parts_pt-plain.py
# trained for 1.5x its schedule's iterations, the optimizer steps of the two-stage pipelines
# (stage 1 half the schedule + stage 2); run_zoo.py scales the schedule (ITER_SCALE).
_base_ = ['./fcn_r18_parts_pt-plain.py']
