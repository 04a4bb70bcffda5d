# ProC-KD for a RetinaNet student on your own COCO-format detection data.
# Copy this file anywhere, set data_root, the annotation files and the class names, then:
#   python tools/train.py my_procd_retinanet.py
# Offline as it stands: the ViT-B/16 teacher keeps random weights (model.teacher_ckpt=None)
# and the student starts from scratch. For a real run, give the teacher its weights
# (model.teacher_ckpt=/path/to/vit-b16.pth: the file procd_mm::_base_/teachers/vit-b16_in1k.py
# names) and the student its ImageNet backbone (init_cfg below).
_base_ = ['procd_mm::procd/procd_vit-b_retinanet_r50_fpn_1x_coco.py']

data_root = 'data/my_coco/'  # holds annotations/ and the two image folders below
classes = ('cat', 'dog')  # the names of the annotation files' categories, in id order
metainfo = dict(classes=classes)

model = dict(
    teacher_ckpt=None,
    student=dict(
        # e.g. init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')
        backbone=dict(init_cfg=None),
        bbox_head=dict(num_classes=len(classes))))

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img='train/')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
