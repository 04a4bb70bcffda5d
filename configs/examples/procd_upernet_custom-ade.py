# ProC-KD for an UPerNet student on your own ADE20K-format segmentation data.
# Copy this file anywhere, set data_root, the class names and colours, then:
#   python tools/train.py my_procd_upernet.py
# The data: images/{training,validation}/*.jpg and annotations/{training,validation}/*.png
# with the same stems; in a label map, 0 is "other" (ignored) and class i is i + 1.
# Offline as it stands: the ViT-B/16 teacher keeps random weights (model.teacher_ckpt=None)
# and the student starts from scratch. For a real run, give the teacher its weights
# (model.teacher_ckpt=/path/to/vit-b16.pth: the file procd_mm::_base_/teachers/vit-b16_in1k.py
# names) and the student its ImageNet backbone (init_cfg below).
_base_ = ['procd_mm::procd/procd_vit-b_upernet_r50_4xb4-80k_ade20k-512x512.py']

data_root = 'data/my_ade/'
classes = ('road', 'building', 'tree')  # label i + 1 in the annotation PNGs
palette = [[128, 64, 128], [70, 70, 70], [107, 142, 35]]  # a colour per class, for pictures
my_dataset = dict(
    type='BaseSegDataset',  # ADE20KDataset fixes ADE's 150 classes; this one takes yours
    data_root=data_root,
    metainfo=dict(classes=classes, palette=palette),
    img_suffix='.jpg',
    seg_map_suffix='.png',
    reduce_zero_label=True)

model = dict(
    teacher_ckpt=None,
    student=dict(
        # e.g. init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')
        pretrained=None,
        decode_head=dict(num_classes=len(classes)),
        auxiliary_head=dict(num_classes=len(classes))))

train_dataloader = dict(
    dataset=dict(
        my_dataset,
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training')))
val_dataloader = dict(
    dataset=dict(
        my_dataset,
        data_prefix=dict(img_path='images/validation',
                         seg_map_path='annotations/validation')))
test_dataloader = val_dataloader
