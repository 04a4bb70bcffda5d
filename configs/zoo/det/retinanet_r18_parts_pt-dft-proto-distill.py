# ProC-KD in the pipeline, (b) (docs/plans/pipeline.md, step B; ours, not the paper's): the
# stage 1 of pt-dft-pkd plus PrototypeStructureObjective, the student's local features
# learning the teacher's prototype assignments (K = 32, the task's ProC-KD default; prototype
# width 64 as the zoo's ProC-KD). Stage 2 is retinanet_r18_parts_pt-dft-proto.py.
_base_ = ['./retinanet_r18_parts_pt-dft-pkd-distill.py']
model = dict(objective=[
    dict(type='procd_mm.PKDObjective'),
    dict(type='procd_mm.PrototypeStructureObjective', channels=64, num_prototypes=32),
])
