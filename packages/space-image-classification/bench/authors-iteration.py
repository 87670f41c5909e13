#!/usr/bin/env python3
"""Times the authors' own classification search iteration, for comparison with
`npm run -s bench -w @asng/space-image-classification`.

This is our harness, not the authors' code: it imports their supernet
(`MicroProbabilisticCNN` with `ENASOpsServer`, from a checkout of
https://github.com/shirakawas/ASNG-NAS that the user gives) and runs, on fixed
random batches, exactly the body of one iteration of their
`architecture_search` (classification/train.py): lambda forward and backward
passes on a training batch, gradient clipping at 5, an SGD step (lr 0.025,
momentum 0.9, weight decay 3e-4), then lambda forward passes without
gradients on a validation batch and their `p_model_update`. The setting is the
one of our benchmark and of the paper's search: 8 cells, 16 channels, batch
64, 32x32x3 inputs, 10 classes, alpha 1.5, initial delta 1. No data loader
runs on either side.

    python3 packages/space-image-classification/bench/authors-iteration.py \
        --authors-dir PATH/TO/ASNG-NAS [--steps 12] [--warmup 3] [--threads N] [--batch 64] [--seed 0]

Needs PyTorch (Debian: `apt-get install python3-torch`; it runs on the CPU).
Their code imports torchvision, which this timing does not use: when it is
not installed, an empty stand-in module is put in its place. Progress goes
to stderr; the last line of stdout is one JSON object:
`{"secondsPerIteration": {"median", "mean", "min", "max"}, "iterations", "threads", "torch", "loadAverage", ...}`.
"""

import argparse
import json
import os
import statistics
import sys
import time
import types


def parse_args():
    parser = argparse.ArgumentParser(description="Time the authors' ASNG-NAS classification search iteration.")
    parser.add_argument('--authors-dir', required=True, help='a checkout of github.com/shirakawas/ASNG-NAS')
    parser.add_argument('--steps', type=int, default=12, help='timed iterations (default 12)')
    parser.add_argument('--warmup', type=int, default=3, help='untimed iterations first (default 3)')
    parser.add_argument('--threads', type=int, default=None, help="PyTorch's intra-op threads (default: all cores)")
    parser.add_argument('--batch', type=int, default=64, help='batch size (default 64)')
    parser.add_argument('--cells', type=int, default=8, help='cells (default 8)')
    parser.add_argument('--channels', type=int, default=16, help='initial channels (default 16)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the batches, the weights and the sampling')
    args = parser.parse_args()
    for name in ('steps', 'batch', 'cells', 'channels'):
        if getattr(args, name) < 1:
            parser.error('--%s: expected an integer >= 1, got %d' % (name, getattr(args, name)))
    if args.warmup < 0:
        parser.error('--warmup: expected an integer >= 0, got %d' % args.warmup)
    if args.threads is not None and args.threads < 1:
        parser.error('--threads: expected an integer >= 1, got %d' % args.threads)
    return args


def import_authors_model(authors_dir):
    """Their classification package and supernet, from `authors_dir`/classification."""
    root = os.path.join(os.path.abspath(authors_dir), 'classification')
    if not os.path.isfile(os.path.join(root, 'classification', 'cnn_model_micro.py')):
        sys.exit('--authors-dir: %s does not hold classification/classification/cnn_model_micro.py '
                 '(expected a checkout of github.com/shirakawas/ASNG-NAS)' % authors_dir)
    try:
        import torchvision  # noqa: F401
    except ImportError:
        # Their utils import torchvision.transforms at module level; nothing here calls it.
        stand_in = types.ModuleType('torchvision')
        stand_in.transforms = types.ModuleType('torchvision.transforms')
        sys.modules['torchvision'] = stand_in
        sys.modules['torchvision.transforms'] = stand_in.transforms
    sys.path.insert(0, root)
    import classification.operations as operations
    from classification.cnn_model_micro import MicroProbabilisticCNN
    return operations, MicroProbabilisticCNN


def main():
    args = parse_args()
    import numpy as np
    import torch
    import torch.nn as nn

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    operations, model_class = import_authors_model(args.authors_dir)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    model = model_class(n_classes=10, channels_init=args.channels, n_cells=args.cells,
                        ops_server=operations.ENASOpsServer(), alpha=1.5, init_delta=1.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    loss_func = nn.CrossEntropyLoss()
    lam = 2
    generator = torch.Generator().manual_seed(args.seed)
    x_train = torch.randn(args.batch, 3, 32, 32, generator=generator)
    t_train = torch.randint(0, 10, (args.batch,), generator=generator)
    x_valid = torch.randn(args.batch, 3, 32, 32, generator=generator)
    t_valid = torch.randint(0, 10, (args.batch,), generator=generator)

    def iteration():
        model.train()
        optimizer.zero_grad()
        loss_sum = 0.
        for _ in range(lam):
            h, _, _ = model(x_train, True)
            loss = loss_func(h, t_train)
            loss_sum = loss_sum + loss / lam
            loss.item()
        loss_sum.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        optimizer.step()
        ms, losses = [], []
        with torch.no_grad():
            for _ in range(lam):
                h, m, _ = model(x_valid, True)
                losses.append(loss_func(h, t_valid).item())
                ms.append(m)
        model.p_model_update(np.array(ms), np.array(losses))

    times = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        iteration()
        seconds = time.perf_counter() - start
        label = 'warm-up' if i < args.warmup else 'timed'
        print('iteration %d (%s): %.3f s' % (i + 1, label, seconds), file=sys.stderr)
        if i >= args.warmup:
            times.append(seconds)

    result = {
        'benchmark': 'authors-classification-search-iteration',
        'secondsPerIteration': {
            'median': statistics.median(times),
            'mean': statistics.fmean(times),
            'min': min(times),
            'max': max(times),
        },
        'iterations': len(times),
        'warmup': args.warmup,
        'threads': torch.get_num_threads(),
        'batch': args.batch,
        'cells': args.cells,
        'channels': args.channels,
        'torch': torch.__version__,
        'loadAverage': list(os.getloadavg()),
    }
    print(json.dumps(result))


if __name__ == '__main__':
    main()
