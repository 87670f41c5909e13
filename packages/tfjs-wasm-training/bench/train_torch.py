"""PyTorch (CPU) twin of bench/train.ts: the same net, batch, loss and SGD step.

The net of test/nets.ts `benchmarkNet(32)`, layer by layer:
  conv3x3 3->32 (+bias, relu), conv3x3 32->32 (+bias, relu), maxpool 2/2,
  separable conv: depthwise 5x5 (no bias), pointwise 1x1 32->64, one bias, relu,
  conv3x3 64->64 (+bias, relu), mean over height and width, dense 64->10,
  softmax cross-entropy (mean over the batch), plain SGD (lr 0.01, no momentum,
  no weight decay) on every weight. All convolutions are stride 1, 'same' padding.
50,634 weights, the same count as train.ts (it checks the `torchParams` field).

Memory format: channels-last (`torch.channels_last`, NHWC in memory like the
tfjs tensors) by default, PyTorch's recommended format for convolutions on CPU
with oneDNN; `--memory-format contiguous` runs NCHW instead.

Like train.ts: `--warmup` untimed steps, then `--steps` timed ones, each ending
when the loss is on the host (`loss.item()`, as train.ts awaits `loss.data()`);
prints the median step time as one JSON line on stdout:
  {"torchMsPerStep": ..., "torchThreads": ..., "torchVersion": ..., "torchParams": ..., ...}

  python3 train_torch.py --batch 64 --warmup 3 --steps 10 --threads 2
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class BenchmarkNet(nn.Module):
    def __init__(self, c: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.depthwise = nn.Conv2d(c, c, 5, padding=2, groups=c, bias=False)
        # The pointwise conv's bias is train.ts's b3, added after the separable conv.
        self.pointwise = nn.Conv2d(c, 2 * c, 1)
        self.conv4 = nn.Conv2d(2 * c, 2 * c, 3, padding=1)
        self.dense = nn.Linear(2 * c, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv1(x))
        h = F.relu(self.conv2(h))
        h = F.max_pool2d(h, 2, 2)
        h = F.relu(self.pointwise(self.depthwise(h)))
        h = F.relu(self.conv4(h))
        return self.dense(h.mean(dim=(2, 3)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--memory-format", choices=["channels-last", "contiguous"], default="channels-last")
    args = parser.parse_args()
    if args.batch < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--batch, --steps and --threads must be positive, --warmup not negative")

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    memory_format = torch.channels_last if args.memory_format == "channels-last" else torch.contiguous_format

    net = BenchmarkNet(32).to(memory_format=memory_format)
    params = sum(p.numel() for p in net.parameters())
    # NCHW shape; channels-last stores it NHWC like train.ts's 64x32x32x3 batch.
    x = (torch.rand(args.batch, 3, 32, 32) * 2 - 1).contiguous(memory_format=memory_format)
    labels = torch.tensor([(i * 7) % 10 for i in range(args.batch)])
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)

    ms = statistics.median(times)
    print(
        f"pytorch {torch.__version__}, {torch.get_num_threads()} thread(s), {args.memory_format}, "
        f"batch {args.batch}, {params} weights: {' '.join(f'{t:.0f}' for t in times)} ms; median {ms:.1f} ms/step",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "torchMsPerStep": round(ms, 1),
                "torchThreads": torch.get_num_threads(),
                "torchVersion": torch.__version__,
                "torchParams": params,
                "torchMemoryFormat": args.memory_format,
                "torchBatch": args.batch,
            }
        )
    )


if __name__ == "__main__":
    main()
