# ProC-KD settings shared by detector students (augmentation on every FPN level).
procd = dict(
    proto_head=dict(
        channels=256, num_prototypes=72, grid_level=0, assign_temperature=0.1, center=True),
    aug_neck=dict(embed_channels=128, final_relu=False),
    guided=True,
    student_weight=1.0,
    guided_weight=1.0,
    loss_feat=dict(type='procd_mm.FeatureMSELoss', loss_weight=1.0, normalize=True),
    teacher_amp='auto')
# Single-stage detectors (RetinaNet, FCOS): the guided pass runs the student's own FPN on the
# teacher's three stages, projected one to one onto the three backbone stages the FPN reads
# (guided_input='backbone', ours): the zoo's detection default
# (docs/plans/one_recipe_results.md); its cost at the COCO training shape is in
# docs/benchmark.md. Two-stage detectors keep the distiller's default 'aug' (the authors'
# teacher branch): their FPN reads four levels, the teacher hands three.
procd_single_stage = dict(procd, guided_input='backbone')
# Resumes the run's own checkpoints with full unpickling; everything else loads weights-only.
runner_type = 'procd_mm.ProCDRunner'
custom_imports = dict(imports=['procd_mm.models', 'procd_mm.engine'], allow_failed_imports=False)
# Stop at the first non-finite loss, naming the iteration, the keys and the last checkpoint.
custom_hooks = [dict(type='procd_mm.NonFiniteLossHook')]
