"""PyTorch (CPU) twin of bench/conv.ts: each convolution's three kernels alone.

For each shape given (batch, size, in channels, out channels, kernel; stride 1,
'same' padding, no bias, channels-last memory like the tfjs tensors), times
the forward pass, the input gradient and the filter gradient separately
(`torch.ops.aten.convolution_backward` with one output asked for at a time),
each the fastest of `--repeats` calls after 3 untimed ones, as bench/conv.ts
times ours. Prints one JSON line on stdout:
  {"torchVersion", "torchThreads", "shapes": [{"forward", "input", "filter"} in ms, ...]}

  python3 conv_torch.py --threads 2 --repeats 40 --shape 64,32,3,32,3 --shape 64,32,32,32,3
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F


def fastest(fn, repeats: int) -> float:
    for _ in range(3):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--shape", action="append", required=True, help="batch,size,in,out,kernel")
    args = parser.parse_args()
    if args.threads < 1 or args.repeats < 1:
        parser.error("--threads and --repeats must be positive")
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    shapes = []
    with torch.no_grad():
        for spec in args.shape:
            try:
                batch, size, cin, cout, k = (int(v) for v in spec.split(","))
            except ValueError:
                parser.error(f"--shape {spec}: expected batch,size,in,out,kernel (five integers)")
            pad = (k - 1) // 2
            x = torch.randn(batch, cin, size, size).to(memory_format=torch.channels_last)
            w = torch.randn(cout, cin, k, k).to(memory_format=torch.channels_last)
            dy = torch.randn(batch, cout, size, size).to(memory_format=torch.channels_last)

            def backward(mask):
                return torch.ops.aten.convolution_backward(dy, x, w, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask)

            shapes.append(
                {
                    "forward": fastest(lambda: F.conv2d(x, w, None, 1, pad), args.repeats),
                    "input": fastest(lambda: backward([True, False, False]), args.repeats),
                    "filter": fastest(lambda: backward([False, True, False]), args.repeats),
                }
            )
    print(json.dumps({"torchVersion": torch.__version__, "torchThreads": torch.get_num_threads(), "shapes": shapes}))


if __name__ == "__main__":
    main()
