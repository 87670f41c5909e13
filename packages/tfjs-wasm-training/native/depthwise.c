/*
 * Depthwise 2-D convolution and its gradients (NHWC; filter [fh][fw][C][M],
 * output channel c*M + m). With multiplier 1 (separable convolutions), groups
 * of 32 channels are summed in AVX registers; other multipliers take a plain
 * loop that the compiler vectorises.
 *
 *   forward       y[p][c*M+m]   = sum_t x[p via t][c] * w[t][c][m]
 *   input grad    dx[q][c]      = sum_t,m dy[q via t][c*M+m] * w[t][c][m]
 *   filter grad   dw[t][c][m]   = sum_p x[p via t][c] * dy[p][c*M+m]
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

typedef struct {
  const conv_shape *s;
  const float *a; /* x (forward, filter grad) or dy (input grad) */
  const float *b; /* w, or dy (filter grad) */
  float *out;
  int chunks;                 /* filter grad: the output rows cut into chunks */
  float *partial[MAX_CHUNKS]; /* filter grad: per chunk sums */
} depthwise_job;

/*
 * Multiplier 1 works on groups of up to 32 channels (NV = 1..4 AVX vectors,
 * a compile-time constant in each specialisation, so the accumulators stay in
 * registers). Only the group's last vector may be partial (`tail` < 8 valid
 * lanes): it is loaded with a mask and stored through a buffer (masked stores
 * are slow on some CPUs).
 */
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))

INLINE __m256 load_lane(const float *p, int v, const int nv, int tail, __m256i tail_mask) {
  return (v == nv - 1 && tail < 8) ? _mm256_maskload_ps(p + 8 * v, tail_mask) : _mm256_loadu_ps(p + 8 * v);
}

INLINE void store_lane(float *p, int v, const int nv, int tail, __m256 x) {
  if (v == nv - 1 && tail < 8) {
    float tmp[8];
    _mm256_storeu_ps(tmp, x);
    memcpy(p + 8 * v, tmp, sizeof(float) * tail);
  } else {
    _mm256_storeu_ps(p + 8 * v, x);
  }
}

/* Pixels of a row computed together: their accumulators (PIX x NV vectors) stay in registers. */
#define PIX(nv) ((nv) <= 2 ? 4 : 2)

INLINE void forward_group(const depthwise_job *job, int n, int oh, int start, const int nv, int tail, __m256i tm) {
  const conv_shape *s = job->s;
  const int channels = s->in_c;
  const int pix = PIX(nv);
  for (int ow0 = 0; ow0 < s->out_w; ow0 += pix) {
    const int count = s->out_w - ow0 < pix ? s->out_w - ow0 : pix;
    __m256 acc[4][4];
#pragma GCC unroll 4
    for (int j = 0; j < pix; j++)
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[j][v] = _mm256_setzero_ps();
    for (int kh = 0; kh < s->filter_h; kh++) {
      const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
      if (ih < 0 || ih >= s->in_h) continue;
      const float *x_row = job->a + ((size_t)n * s->in_h + ih) * s->in_w * channels + start;
      for (int kw = 0; kw < s->filter_w; kw++) {
        const float *w = job->b + ((size_t)kh * s->filter_w + kw) * channels + start;
        __m256 wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) wv[v] = load_lane(w, v, nv, tail, tm);
#pragma GCC unroll 4
        for (int j = 0; j < pix; j++) {
          const int iw = (ow0 + j) * s->stride_w - s->pad_left + kw * s->dilation_w;
          if (j >= count || iw < 0 || iw >= s->in_w) continue;
          const float *x = x_row + (size_t)iw * channels;
#pragma GCC unroll 4
          for (int v = 0; v < nv; v++) acc[j][v] = _mm256_fmadd_ps(load_lane(x, v, nv, tail, tm), wv[v], acc[j][v]);
        }
      }
    }
    float *y = job->out + (((size_t)n * s->out_h + oh) * s->out_w + ow0) * channels + start;
#pragma GCC unroll 4
    for (int j = 0; j < pix; j++)
      if (j < count)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) store_lane(y + (size_t)j * channels, v, nv, tail, acc[j][v]);
  }
}

INLINE void input_group(const depthwise_job *job, int n, int ih, int start, const int nv, int tail, __m256i tm) {
  const conv_shape *s = job->s;
  const int channels = s->in_c;
  const int pix = PIX(nv);
  for (int iw0 = 0; iw0 < s->in_w; iw0 += pix) {
    const int count = s->in_w - iw0 < pix ? s->in_w - iw0 : pix;
    __m256 acc[4][4];
#pragma GCC unroll 4
    for (int j = 0; j < pix; j++)
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[j][v] = _mm256_setzero_ps();
    for (int kh = 0; kh < s->filter_h; kh++) {
      const int nh = ih + s->pad_top - kh * s->dilation_h;
      if (nh < 0 || nh % s->stride_h != 0 || nh / s->stride_h >= s->out_h) continue;
      const float *dy_row = job->a + ((size_t)n * s->out_h + nh / s->stride_h) * s->out_w * channels + start;
      for (int kw = 0; kw < s->filter_w; kw++) {
        const float *w = job->b + ((size_t)kh * s->filter_w + kw) * channels + start;
        __m256 wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) wv[v] = load_lane(w, v, nv, tail, tm);
#pragma GCC unroll 4
        for (int j = 0; j < pix; j++) {
          const int nw = iw0 + j + s->pad_left - kw * s->dilation_w;
          if (j >= count || nw < 0 || nw % s->stride_w != 0 || nw / s->stride_w >= s->out_w) continue;
          const float *dy = dy_row + (size_t)(nw / s->stride_w) * channels;
#pragma GCC unroll 4
          for (int v = 0; v < nv; v++) acc[j][v] = _mm256_fmadd_ps(load_lane(dy, v, nv, tail, tm), wv[v], acc[j][v]);
        }
      }
    }
    float *dx = job->out + (((size_t)n * s->in_h + ih) * s->in_w + iw0) * channels + start;
#pragma GCC unroll 4
    for (int j = 0; j < pix; j++)
      if (j < count)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++) store_lane(dx + (size_t)j * channels, v, nv, tail, acc[j][v]);
  }
}

/* The output columns [from, to) whose input column for tap kw lies inside the image (empty: from >= to). */
static inline void tap_columns(const conv_shape *s, int kw, int *from, int *to) {
  const int shift = kw * s->dilation_w - s->pad_left;
  *from = shift >= 0 ? 0 : (-shift + s->stride_w - 1) / s->stride_w;
  *to = (s->in_w - 1 - shift) >= 0 ? (s->in_w - 1 - shift) / s->stride_w + 1 : 0;
  if (*to > s->out_w) *to = s->out_w;
}

INLINE void filter_group(const depthwise_job *job, float *partial, int n, int oh, int start, const int nv, int tail,
                         __m256i tm) {
  const conv_shape *s = job->s;
  const int channels = s->in_c;
  for (int kh = 0; kh < s->filter_h; kh++) {
    const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
    if (ih < 0 || ih >= s->in_h) continue;
    const float *x_row = job->a + ((size_t)n * s->in_h + ih) * s->in_w * channels + start;
    const float *dy_row = job->b + ((size_t)n * s->out_h + oh) * s->out_w * channels + start;
    for (int kw = 0; kw < s->filter_w; kw++) {
      const int shift = kw * s->dilation_w - s->pad_left;
      int ow_from, ow_to;
      tap_columns(s, kw, &ow_from, &ow_to);
      if (ow_from >= ow_to) continue;
      __m256 acc[4];
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[v] = _mm256_setzero_ps();
      for (int ow = ow_from; ow < ow_to; ow++) {
        const float *x = x_row + (size_t)(ow * s->stride_w + shift) * channels;
        const float *dy = dy_row + (size_t)ow * channels;
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
          acc[v] = _mm256_fmadd_ps(load_lane(x, v, nv, tail, tm), load_lane(dy, v, nv, tail, tm), acc[v]);
      }
      float *dw = partial + ((size_t)kh * s->filter_w + kw) * channels + start;
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) store_lane(dw, v, nv, tail, _mm256_add_ps(load_lane(dw, v, nv, tail, tm), acc[v]));
    }
  }
}

/* ------------------------------------------------------------------------ */
/*
 * Multiplier 1 with AVX-512 (where the CPU has it, as the convolution tiles): groups of up to 32
 * channels as 1 or 2 vectors of 16 lanes (the last one under a mask), 8 pixels of a row at a time
 * (forward, input gradient), and in the filter gradient every tap of a filter row at once (one
 * accumulator chain per tap, where the AVX2 code has one tap's chain at a time: its multiply-adds
 * wait on each other). Each lane runs the same multiply-adds in the same order as the AVX2 code:
 * the same bits.
 */
#define INLINE512 static inline __attribute__((always_inline, target("avx512f,avx2,fma")))
#define PIX512 8
#define TAPS512 8 /* filter widths up to this take the all-taps filter gradient */

INLINE512 __mmask16 lane_mask(int v, const int nv, __mmask16 last) { return v == nv - 1 ? last : (__mmask16)0xFFFF; }

/* The input index that tap k reads for output index o (o * stride - pad + k * dilation), or -1 outside. */
INLINE512 int read_at(int o, int pad, int k, int dilation, int stride, int limit) {
  const int i = o * stride - pad + k * dilation;
  return i >= 0 && i < limit ? i : -1;
}

/* The output index that tap k reaches from input index i (i + pad - k * dilation, then / stride), or -1. */
INLINE512 int reached(int i, int pad, int k, int dilation, int stride, int limit) {
  const int t = i + pad - k * dilation;
  if (t < 0) return -1;
  if (stride == 1) return t < limit ? t : -1;
  if (t % stride != 0 || t / stride >= limit) return -1;
  return t / stride;
}

/*
 * One row of the forward output (`backward` 0: y[row][q] = sum over taps of x[row, q via the tap]
 * * w[tap]) or of the input gradient (`backward` 1: dx[row][q] = sum over the taps that reach
 * (row, q) of dy[...] * w[tap]), for one group of channels, PIX512 pixels at a time; taps in
 * row-major order, as the AVX2 code.
 */
INLINE512 void depthwise_row512(const depthwise_job *job, int n, int row, int start, const int nv, __mmask16 last,
                                const int backward) {
  const conv_shape *s = job->s;
  const int channels = s->in_c;
  const int height = backward ? s->in_h : s->out_h, width = backward ? s->in_w : s->out_w;
  const int src_h = backward ? s->out_h : s->in_h, src_w = backward ? s->out_w : s->in_w;
  for (int q0 = 0; q0 < width; q0 += PIX512) {
    const int count = width - q0 < PIX512 ? width - q0 : PIX512;
    __m512 acc[PIX512][2];
#pragma GCC unroll 8
    for (int j = 0; j < PIX512; j++) acc[j][0] = acc[j][1] = _mm512_setzero_ps();
    for (int kh = 0; kh < s->filter_h; kh++) {
      const int r = backward ? reached(row, s->pad_top, kh, s->dilation_h, s->stride_h, src_h)
                             : read_at(row, s->pad_top, kh, s->dilation_h, s->stride_h, src_h);
      if (r < 0) continue;
      const float *src_row = job->a + ((size_t)n * src_h + r) * src_w * channels + start;
      for (int kw = 0; kw < s->filter_w; kw++) {
        const float *w = job->b + ((size_t)kh * s->filter_w + kw) * channels + start;
        __m512 wv[2];
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) wv[v] = _mm512_maskz_loadu_ps(lane_mask(v, nv, last), w + 16 * v);
        const int base = q0 * s->stride_w - s->pad_left + kw * s->dilation_w; /* forward: tap kw of pixel q0 */
#pragma GCC unroll 8
        for (int j = 0; j < PIX512; j++) {
          if (j >= count) continue;
          const int q = backward ? reached(q0 + j, s->pad_left, kw, s->dilation_w, s->stride_w, src_w) : base + j * s->stride_w;
          if (q < 0 || q >= src_w) continue;
          const float *a = src_row + (size_t)q * channels;
#pragma GCC unroll 2
          for (int v = 0; v < nv; v++)
            acc[j][v] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lane_mask(v, nv, last), a + 16 * v), wv[v], acc[j][v]);
        }
      }
    }
    float *out = job->out + (((size_t)n * height + row) * width + q0) * channels + start;
#pragma GCC unroll 8
    for (int j = 0; j < PIX512; j++)
      if (j < count)
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++) _mm512_mask_storeu_ps(out + (size_t)j * channels + 16 * v, lane_mask(v, nv, last), acc[j][v]);
  }
}

/* Filter widths up to TAPS512: each tap's sum over the row in its own registers, all taps in one pass. */
INLINE512 void filter_group512(const depthwise_job *job, float *partial, int n, int oh, int start, const int nv,
                               __mmask16 last) {
  const conv_shape *s = job->s;
  const int channels = s->in_c, fw = s->filter_w;
  /* each tap's output columns [from, to) whose input lands inside the image */
  int from[TAPS512], to[TAPS512], lo = s->out_w, hi = 0;
  for (int kw = 0; kw < fw; kw++) {
    tap_columns(s, kw, &from[kw], &to[kw]);
    if (from[kw] < lo) lo = from[kw];
    if (to[kw] > hi) hi = to[kw];
  }
  const float *dy_row = job->b + ((size_t)n * s->out_h + oh) * s->out_w * channels + start;
  for (int kh = 0; kh < s->filter_h; kh++) {
    const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
    if (ih < 0 || ih >= s->in_h) continue;
    const float *x_row = job->a + ((size_t)n * s->in_h + ih) * s->in_w * channels + start;
    __m512 acc[TAPS512][2];
#pragma GCC unroll 8
    for (int kw = 0; kw < TAPS512; kw++) acc[kw][0] = acc[kw][1] = _mm512_setzero_ps();
    for (int ow = lo; ow < hi; ow++) {
      const float *dy = dy_row + (size_t)ow * channels;
      __m512 g[2];
#pragma GCC unroll 2
      for (int v = 0; v < nv; v++) g[v] = _mm512_maskz_loadu_ps(lane_mask(v, nv, last), dy + 16 * v);
#pragma GCC unroll 8
      for (int kw = 0; kw < TAPS512; kw++) {
        if (kw >= fw || ow < from[kw] || ow >= to[kw]) continue;
        const float *x = x_row + (size_t)(ow * s->stride_w + kw * s->dilation_w - s->pad_left) * channels;
#pragma GCC unroll 2
        for (int v = 0; v < nv; v++)
          acc[kw][v] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lane_mask(v, nv, last), x + 16 * v), g[v], acc[kw][v]);
      }
    }
#pragma GCC unroll 8
    for (int kw = 0; kw < TAPS512; kw++) {
      if (kw >= fw || from[kw] >= to[kw]) continue;
      float *dw = partial + ((size_t)kh * fw + kw) * channels + start;
#pragma GCC unroll 2
      for (int v = 0; v < nv; v++) {
        const __mmask16 m = lane_mask(v, nv, last);
        _mm512_mask_storeu_ps(dw + 16 * v, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dw + 16 * v), acc[kw][v]));
      }
    }
  }
}

/* Calls BODY(start, NV, mask) for each group of 32 channels with a constant NV (1 or 2 vectors of 16). */
#define FOR_GROUPS512(channels, BODY)                                                             \
  for (int start_ = 0; start_ < (channels); start_ += 32) {                                       \
    const int count_ = (channels) - start_ < 32 ? (channels) - start_ : 32;                       \
    const int tail_ = count_ % 16 == 0 ? 16 : count_ % 16;                                         \
    const __mmask16 mask_ = (__mmask16)(tail_ == 16 ? 0xFFFFu : (1u << tail_) - 1u);               \
    if (count_ > 16)                                                                              \
      BODY(start_, 2, mask_);                                                                     \
    else                                                                                          \
      BODY(start_, 1, mask_);                                                                     \
  }

static __attribute__((target("avx512f,avx2,fma"))) void forward_row512(const depthwise_job *job, int n, int oh) {
#define FORWARD(start, nv, mask) depthwise_row512(job, n, oh, start, nv, mask, 0)
  FOR_GROUPS512(job->s->in_c, FORWARD)
#undef FORWARD
}

static __attribute__((target("avx512f,avx2,fma"))) void input_row512(const depthwise_job *job, int n, int ih) {
#define INPUT(start, nv, mask) depthwise_row512(job, n, ih, start, nv, mask, 1)
  FOR_GROUPS512(job->s->in_c, INPUT)
#undef INPUT
}

static __attribute__((target("avx512f,avx2,fma"))) void filter_row512(const depthwise_job *job, float *partial, int n,
                                                                         int oh) {
#define FILTER(start, nv, mask) filter_group512(job, partial, n, oh, start, nv, mask)
  FOR_GROUPS512(job->s->in_c, FILTER)
#undef FILTER
}

/* Calls BODY(start, NV, tail, mask) for each group of 32 channels with a constant NV. */
#define FOR_GROUPS(channels, BODY)                                                  \
  for (int start_ = 0; start_ < (channels); start_ += 32) {                         \
    const int count_ = (channels) - start_ < 32 ? (channels) - start_ : 32;         \
    const int tail_ = count_ % 8 == 0 ? 8 : count_ % 8;                              \
    int32_t m_[8];                                                                  \
    for (int q_ = 0; q_ < 8; q_++) m_[q_] = q_ < tail_ ? -1 : 0;                    \
    const __m256i mask_ = _mm256_loadu_si256((const __m256i *)m_);                  \
    switch ((count_ + 7) / 8) {                                                     \
      case 4: BODY(start_, 4, tail_, mask_); break;                                 \
      case 3: BODY(start_, 3, tail_, mask_); break;                                 \
      case 2: BODY(start_, 2, tail_, mask_); break;                                 \
      default: BODY(start_, 1, tail_, mask_); break;                                \
    }                                                                               \
  }

AVX2 static void forward_row_single(const depthwise_job *job, int n, int oh) {
#define FORWARD(start, nv, tail, mask) forward_group(job, n, oh, start, nv, tail, mask)
  FOR_GROUPS(job->s->in_c, FORWARD)
#undef FORWARD
}

AVX2 static void input_row_single(const depthwise_job *job, int n, int ih) {
#define INPUT(start, nv, tail, mask) input_group(job, n, ih, start, nv, tail, mask)
  FOR_GROUPS(job->s->in_c, INPUT)
#undef INPUT
}

AVX2 static void filter_row_single(const depthwise_job *job, float *partial, int n, int oh) {
#define FILTER(start, nv, tail, mask) filter_group(job, partial, n, oh, start, nv, tail, mask)
  FOR_GROUPS(job->s->in_c, FILTER)
#undef FILTER
}

/* Forward: one task per output row (n, oh). */
AVX2 static void forward_row(const void *ctx, int task, int thread) {
  (void)thread;
  const depthwise_job *job = ctx;
  const conv_shape *s = job->s;
  const int n = task / s->out_h, oh = task % s->out_h;
  const int channels = s->in_c, mult = s->out_c / s->in_c, oc_count = s->out_c;
  if (mult == 1) {
    if (conv_vector_bits() == 512)
      forward_row512(job, n, oh);
    else
      forward_row_single(job, n, oh);
    return;
  }
  for (int ow = 0; ow < s->out_w; ow++) {
    float *restrict y = job->out + (((size_t)n * s->out_h + oh) * s->out_w + ow) * oc_count;
    memset(y, 0, sizeof(float) * oc_count);
    for (int kh = 0; kh < s->filter_h; kh++) {
      const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
      if (ih < 0 || ih >= s->in_h) continue;
      for (int kw = 0; kw < s->filter_w; kw++) {
        const int iw = ow * s->stride_w - s->pad_left + kw * s->dilation_w;
        if (iw < 0 || iw >= s->in_w) continue;
        const float *restrict x = job->a + (((size_t)n * s->in_h + ih) * s->in_w + iw) * channels;
        const float *restrict w = job->b + ((size_t)kh * s->filter_w + kw) * oc_count;
        if (mult == 1) {
          for (int c = 0; c < channels; c++) y[c] += x[c] * w[c];
        } else {
          for (int c = 0; c < channels; c++)
            for (int m = 0; m < mult; m++) y[c * mult + m] += x[c] * w[c * mult + m];
        }
      }
    }
  }
}

/* A band of rows of one image (parallel_bands), each by `row` (forward_row or input_row). */
typedef struct {
  const depthwise_job *job;
  void (*row)(const void *ctx, int task, int thread);
  int rows; /* rows per image */
} rows_job;

static void rows_band(const void *ctx, int n, int first, int last, int thread) {
  const rows_job *b = ctx;
  for (int r = first; r < last; r++) b->row(b->job, n * b->rows + r, thread);
}

static void parallel_rows(const depthwise_job *job, int batch, int rows, int64_t row_floats,
                          void (*row)(const void *ctx, int task, int thread)) {
  const rows_job b = {job, row, rows};
  parallel_bands(batch, rows, row_floats, rows_band, &b);
}

int depthwise_forward(const conv_shape *s, const float *x, const float *w, float *y) {
  depthwise_job job = {s, x, w, y, 0, {0}};
  parallel_rows(&job, s->batch, s->out_h, (int64_t)s->out_w * s->out_c, forward_row);
  return 0;
}

/* Input gradient: one task per dx row (n, ih); each dx pixel gathers from the taps that reach it. */
AVX2 static void input_row(const void *ctx, int task, int thread) {
  (void)thread;
  const depthwise_job *job = ctx;
  const conv_shape *s = job->s;
  const int n = task / s->in_h, ih = task % s->in_h;
  const int channels = s->in_c, mult = s->out_c / s->in_c, oc_count = s->out_c;
  if (mult == 1) {
    if (conv_vector_bits() == 512)
      input_row512(job, n, ih);
    else
      input_row_single(job, n, ih);
    return;
  }
  for (int iw = 0; iw < s->in_w; iw++) {
    float *restrict dx = job->out + (((size_t)n * s->in_h + ih) * s->in_w + iw) * channels;
    memset(dx, 0, sizeof(float) * channels);
    for (int kh = 0; kh < s->filter_h; kh++) {
      const int nh = ih + s->pad_top - kh * s->dilation_h;
      if (nh < 0 || nh % s->stride_h != 0 || nh / s->stride_h >= s->out_h) continue;
      const int oh = nh / s->stride_h;
      for (int kw = 0; kw < s->filter_w; kw++) {
        const int nw = iw + s->pad_left - kw * s->dilation_w;
        if (nw < 0 || nw % s->stride_w != 0 || nw / s->stride_w >= s->out_w) continue;
        const int ow = nw / s->stride_w;
        const float *restrict dy = job->a + (((size_t)n * s->out_h + oh) * s->out_w + ow) * oc_count;
        const float *restrict w = job->b + ((size_t)kh * s->filter_w + kw) * oc_count;
        if (mult == 1) {
          for (int c = 0; c < channels; c++) dx[c] += dy[c] * w[c];
        } else {
          for (int c = 0; c < channels; c++) {
            float sum = 0.0f;
            for (int m = 0; m < mult; m++) sum += dy[c * mult + m] * w[c * mult + m];
            dx[c] += sum;
          }
        }
      }
    }
  }
}

int depthwise_input_grad(const conv_shape *s, const float *dy, const float *w, float *dx) {
  depthwise_job job = {s, dy, w, dx, 0, {0}};
  parallel_rows(&job, s->batch, s->in_h, (int64_t)s->in_w * s->in_c, input_row);
  return 0;
}

/* Filter gradient of one output row (n, oh), added into `partial`. */
AVX2 static void filter_row(const depthwise_job *job, int row, float *partial) {
  const conv_shape *s = job->s;
  const int n = row / s->out_h, oh = row % s->out_h;
  const int channels = s->in_c, mult = s->out_c / s->in_c, oc_count = s->out_c;
  if (mult == 1) {
    if (conv_vector_bits() == 512 && s->filter_w <= TAPS512)
      filter_row512(job, partial, n, oh);
    else
      filter_row_single(job, partial, n, oh);
    return;
  }
  for (int ow = 0; ow < s->out_w; ow++) {
    const float *restrict dy = job->b + (((size_t)n * s->out_h + oh) * s->out_w + ow) * oc_count;
    for (int kh = 0; kh < s->filter_h; kh++) {
      const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
      if (ih < 0 || ih >= s->in_h) continue;
      for (int kw = 0; kw < s->filter_w; kw++) {
        const int iw = ow * s->stride_w - s->pad_left + kw * s->dilation_w;
        if (iw < 0 || iw >= s->in_w) continue;
        const float *restrict x = job->a + (((size_t)n * s->in_h + ih) * s->in_w + iw) * channels;
        float *restrict dw = partial + ((size_t)kh * s->filter_w + kw) * oc_count;
        if (mult == 1) {
          for (int c = 0; c < channels; c++) dw[c] += x[c] * dy[c];
        } else {
          for (int c = 0; c < channels; c++)
            for (int m = 0; m < mult; m++) dw[c * mult + m] += x[c] * dy[c * mult + m];
        }
      }
    }
  }
}

/*
 * The output rows (n, oh) are cut into at most MAX_CHUNKS chunks fixed by the
 * shape; each chunk sums its rows, in order, into its own copy of dw, and the
 * copies are added in chunk order (ordered_sum): the same bits whatever
 * thread runs which chunk, and on any number of threads.
 */
static void filter_chunk(const void *ctx, int chunk, int thread) {
  (void)thread;
  const depthwise_job *job = ctx;
  const int64_t rows = (int64_t)job->s->batch * job->s->out_h;
  const int64_t to = chunk_start(rows, job->chunks, chunk + 1);
  for (int64_t r = chunk_start(rows, job->chunks, chunk); r < to; r++) filter_row(job, (int)r, job->partial[chunk]);
}

int depthwise_filter_grad(const conv_shape *s, const float *x, const float *dy, float *dw) {
  depthwise_job job = {s, x, dy, dw, 0, {0}};
  const size_t size = (size_t)s->filter_h * s->filter_w * s->out_c;
  job.chunks = sum_chunks((int64_t)s->batch * s->out_h, 1, size);
  return ordered_sum(job.chunks, filter_chunk, &job, job.partial, dw, size, 1);
}
