/*
 * 2-D convolution and its input and filter gradients (NHWC, HWIO filters),
 * with AVX-512 where the CPU has it, else AVX2/FMA, on the thread pool.
 *
 * Every convolution is a matrix product computed without an im2col matrix:
 * the forward pass and the input gradient read their broadcast operand
 * through per-tap pointers into the NHWC tensor ("indirect GEMM", padding
 * points at a zero row), against the filter packed into panels of NR
 * columns; the filter gradient reads x through per-tap pixel pointers and dy
 * rows directly. A 6x32 register tile (12 AVX-512 accumulators), or 6x16
 * with AVX2 (12 AVX accumulators), does the work: the same bits either way.
 *
 *   forward        y[p][co]  = sum_t,ci x[p via t][ci] * w[t][ci][co]     rows p split over threads
 *   input grad     dx[q][ci] = sum_t,co dy[q via t][co] * w[t][ci][co]    one product per stride phase
 *   filter grad    dw[t][ci][co] = sum_p x[p via t][ci] * dy[p][co]       pixels p split into fixed chunks
 *
 * p: output pixel (n, oh, ow); k: (kh, kw, ci); layouts NHWC and HWIO as in tfjs.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define MR 6
#define NR 16     /* panel width of the AVX2 tiles */
#define NR_MAX 32 /* panel width of the AVX-512 tiles: the widest */
#define MC 96     /* rows per forward / input-gradient task (a multiple of MR) */

#define AVX512 __attribute__((target("avx512f,avx2,fma")))

/*
 * The panel width in use: 32 (AVX-512 tiles, 6x32 in 12 ZMM accumulators)
 * where the CPU has AVX-512F, else 16 (AVX2, 6x16 in 12 YMM accumulators).
 * Each output value is the same chain of fused multiply-adds over the same
 * depth in the same order with either width (a lane is one output value),
 * so both give the same bits; only the speed differs.
 */
static int panel_width = 0;

int conv_set_vector_bits(int bits) {
  __builtin_cpu_init();
  panel_width = bits != 256 && __builtin_cpu_supports("avx512f") ? NR_MAX : NR;
  return conv_vector_bits();
}

static int current_panel_width(void) {
  if (panel_width == 0) conv_set_vector_bits(0);
  return panel_width;
}

int conv_vector_bits(void) { return current_panel_width() == NR_MAX ? 512 : 256; }

/*
 * The panel width for a product `cols` columns wide: the 32-wide AVX-512 tile
 * only past 16 columns; up to 16, half its lanes would idle, and it measured
 * no faster than the AVX2 tile (1x1 convolutions of 8 and 16 channels, the
 * classification search's). Either gives the same bits.
 */
static int panel_width_for(int cols) { return cols > NR ? current_panel_width() : NR; }

/* Masks of the valid lanes of a 32-wide panel cut at `cols` (1..32). */
static inline void column_masks512(int cols, __mmask16 *lo, __mmask16 *hi) {
  *lo = (__mmask16)(cols >= 16 ? 0xFFFFu : (1u << cols) - 1u);
  *hi = (__mmask16)(cols >= 32 ? 0xFFFFu : cols > 16 ? (1u << (cols - 16)) - 1u : 0u);
}

/*
 * What a forward convolution applies to each output value before storing it, in the register
 * tile (direct) or the output transform (Winograd): y = act(y + bias), relu with the bits of the
 * Relu kernels after an Add (NaN kept, -0 to +0).
 */
typedef struct {
  const float *bias; /* K values, or NULL */
  int activation;
  float alpha;
} epilogue;

/* The epilogue of one value (channel k). */
static inline float epilogue1(float v, const epilogue *e, int k) {
  if (e->bias) v += e->bias[k];
  switch (e->activation) {
    case ACT_RELU:
      return v > 0.0f ? v : (v == v ? 0.0f : v);
    case ACT_RELU6:
      return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case ACT_LEAKY_RELU:
      return v > 0.0f ? v : e->alpha * v;
    default:
      return v;
  }
}

/* epilogue1 on 8 lanes (channels k..k+8): a lane-by-lane add and select, the same bits. */
static inline AVX2 __m256 epilogue8(__m256 v, const epilogue *e, int k) {
  if (e->bias) v = _mm256_add_ps(v, _mm256_loadu_ps(e->bias + k));
  const __m256 zero = _mm256_setzero_ps();
  switch (e->activation) {
    case ACT_RELU: /* kept where v > 0 or NaN, +0 elsewhere */
      return _mm256_and_ps(_mm256_or_ps(_mm256_cmp_ps(v, zero, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q)), v);
    case ACT_RELU6: {
      const __m256 six = _mm256_set1_ps(6.0f);
      const __m256 capped = _mm256_blendv_ps(six, v, _mm256_cmp_ps(v, six, _CMP_LT_OQ));
      return _mm256_and_ps(_mm256_cmp_ps(v, zero, _CMP_GT_OQ), capped);
    }
    case ACT_LEAKY_RELU:
      return _mm256_blendv_ps(_mm256_mul_ps(_mm256_set1_ps(e->alpha), v), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
    default:
      return v;
  }
}

/* epilogue8 on the lanes of `mask` (the others' bias read as 0: their values are not stored). */
static inline AVX2 __m256 epilogue8_masked(__m256 v, const epilogue *e, int k, __m256i mask) {
  if (!e->bias) return epilogue8(v, e, k);
  const epilogue unbiased = {NULL, e->activation, e->alpha};
  return epilogue8(_mm256_add_ps(v, _mm256_maskload_ps(e->bias + k, mask)), &unbiased, k);
}

/* epilogue1 on 16 lanes (channels k..k+16, `mask` the valid ones). */
static inline AVX512 __m512 epilogue16(__m512 v, const epilogue *e, int k, __mmask16 mask) {
  if (e->bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, e->bias + k));
  const __m512 zero = _mm512_setzero_ps();
  switch (e->activation) {
    case ACT_RELU:
      return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v);
    case ACT_RELU6: {
      const __m512 six = _mm512_set1_ps(6.0f);
      const __m512 capped = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, six, _CMP_LT_OQ), six, v);
      return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), capped);
    }
    case ACT_LEAKY_RELU:
      return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), _mm512_mul_ps(_mm512_set1_ps(e->alpha), v), v);
    default:
      return v;
  }
}

/* ------------------------------------------------------------------------ */
/*
 * The indirect register tile (forward and input gradient):
 *   C[r][col..col+16) = sum_t sum_c ind[t][r][c] * b[t*chans + c][0..16)
 * for the 6 rows r: `ind` holds, per tap t, 6 pointers to `chans` values (a
 * pixel of x or dy, or a zero row for padding); `b` is a packed panel of
 * (taps*chans) x 16. The whole depth accumulates in registers. Rows whose C
 * pointer is a dummy row are computed and discarded; `cols` < 16 stores only
 * the valid lanes.
 */
AVX2 static void indirect_tile(int taps, int chans, const float *const *ind, const float *restrict b,
                               float *const *rows, int col, int cols, const epilogue *e) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int t = 0; t < taps; t++) {
    const float *a0 = ind[0], *a1 = ind[1], *a2 = ind[2], *a3 = ind[3], *a4 = ind[4], *a5 = ind[5];
    ind += MR;
    for (int c = 0; c < chans; c++) {
      __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
      b += NR;
      __m256 v = _mm256_broadcast_ss(a0 + c);
      c00 = _mm256_fmadd_ps(v, b0, c00);
      c01 = _mm256_fmadd_ps(v, b1, c01);
      v = _mm256_broadcast_ss(a1 + c);
      c10 = _mm256_fmadd_ps(v, b0, c10);
      c11 = _mm256_fmadd_ps(v, b1, c11);
      v = _mm256_broadcast_ss(a2 + c);
      c20 = _mm256_fmadd_ps(v, b0, c20);
      c21 = _mm256_fmadd_ps(v, b1, c21);
      v = _mm256_broadcast_ss(a3 + c);
      c30 = _mm256_fmadd_ps(v, b0, c30);
      c31 = _mm256_fmadd_ps(v, b1, c31);
      v = _mm256_broadcast_ss(a4 + c);
      c40 = _mm256_fmadd_ps(v, b0, c40);
      c41 = _mm256_fmadd_ps(v, b1, c41);
      v = _mm256_broadcast_ss(a5 + c);
      c50 = _mm256_fmadd_ps(v, b0, c50);
      c51 = _mm256_fmadd_ps(v, b1, c51);
    }
  }
  if (cols == NR) {
#define STORE_FULL(r, lo, hi)                                                         \
  do {                                                                                \
    _mm256_storeu_ps(rows[r] + col, e ? epilogue8(lo, e, col) : lo);                  \
    _mm256_storeu_ps(rows[r] + col + 8, e ? epilogue8(hi, e, col + 8) : hi);          \
  } while (0)
    STORE_FULL(0, c00, c01);
    STORE_FULL(1, c10, c11);
    STORE_FULL(2, c20, c21);
    STORE_FULL(3, c30, c31);
    STORE_FULL(4, c40, c41);
    STORE_FULL(5, c50, c51);
#undef STORE_FULL
  } else {
    __m256i mlo, mhi;
    column_masks(cols, &mlo, &mhi);
#define STORE_MASKED(r, lo, hi)                                                                 \
  do {                                                                                          \
    _mm256_maskstore_ps(rows[r] + col, mlo, e ? epilogue8_masked(lo, e, col, mlo) : lo);        \
    _mm256_maskstore_ps(rows[r] + col + 8, mhi, e ? epilogue8_masked(hi, e, col + 8, mhi) : hi); \
  } while (0)
    STORE_MASKED(0, c00, c01);
    STORE_MASKED(1, c10, c11);
    STORE_MASKED(2, c20, c21);
    STORE_MASKED(3, c30, c31);
    STORE_MASKED(4, c40, c41);
    STORE_MASKED(5, c50, c51);
#undef STORE_MASKED
  }
}

/* The same tile 32 columns wide with AVX-512 (`b`: panels of K x 32). */
AVX512 static void indirect_tile512(int taps, int chans, const float *const *ind, const float *restrict b,
                                    float *const *rows, int col, int cols, const epilogue *e) {
  __m512 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int t = 0; t < taps; t++, ind += MR) {
    for (int c = 0; c < chans; c++, b += NR_MAX) {
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 6
      for (int r = 0; r < MR; r++) {
        const __m512 v = _mm512_set1_ps(ind[r][c]);
        acc[r][0] = _mm512_fmadd_ps(v, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(v, b1, acc[r][1]);
      }
    }
  }
  __mmask16 mlo, mhi;
  column_masks512(cols, &mlo, &mhi);
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    _mm512_mask_storeu_ps(rows[r] + col, mlo, e ? epilogue16(acc[r][0], e, col, mlo) : acc[r][0]);
    _mm512_mask_storeu_ps(rows[r] + col + 16, mhi, e ? epilogue16(acc[r][1], e, col + 16, mhi) : acc[r][1]);
  }
}

/* Packs a K x N row-major matrix (row stride ldb) into ceil(N/nr) zero-padded panels of K x nr. */
static void pack_columns(const float *b, int depth, int cols, size_t ldb, int nr, float *dst) {
  const int panels = (cols + nr - 1) / nr;
  for (int j = 0; j < panels; j++) {
    const int c0 = j * nr;
    const int w = cols - c0 < nr ? cols - c0 : nr;
    float *out = dst + (size_t)j * depth * nr;
    for (int k = 0; k < depth; k++) {
      const float *src = b + (size_t)k * ldb + c0;
      float *o = out + (size_t)k * nr;
      int q = 0;
      for (; q < w; q++) o[q] = src[q];
      for (; q < nr; q++) o[q] = 0.0f;
    }
  }
}


/*
 * One block of at most MC rows of an indirect product: `ind` holds, per group
 * of MR rows, taps x MR pointers; `bpack` panels of nr (16 or 32) columns;
 * `rows` the C row of each row (MC + MR entries, rows past `mc` pointing to
 * a dummy row); `e` (or NULL) is applied to each value as it is stored.
 */
static void indirect_block(int mc, int taps, int chans, int cols, const float *const *ind, const float *bpack,
                           int nr, float *const *rows, const epilogue *e) {
  const int panels = (cols + nr - 1) / nr;
  const size_t depth = (size_t)taps * chans;
  for (int j = 0; j < panels; j++) {
    const int ncols = cols - j * nr < nr ? cols - j * nr : nr;
    const float *bp = bpack + (size_t)j * depth * nr;
    for (int i = 0; i < mc; i += MR) {
      const float *const *group = ind + (size_t)(i / MR) * taps * MR;
      if (nr == NR_MAX)
        indirect_tile512(taps, chans, group, bp, rows + i, j * nr, ncols, e);
      else
        indirect_tile(taps, chans, group, bp, rows + i, j * nr, ncols, e);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Forward: y[p][co] = act(sum_t,ci x[p shifted by tap t][ci] * w[t][ci][co] + bias[co]). */


typedef struct {
  const conv_shape *s;
  const float *x;
  const float *zeros; /* at least filter_w * in_c zeros: the padding */
  const float *bpack; /* ceil(Cout/nr) panels of K x nr */
  int nr;
  float *y;
  int rows; /* P */
  const float *bias; /* Cout values, or NULL */
  int activation;
  float alpha; /* slope of leaky relu */
} forward_job;

static void forward_task(const void *ctx, int task, int thread) {
  const forward_job *job = ctx;
  const conv_shape *s = job->s;
  const int m0 = task * MC;
  const int mc = job->rows - m0 < MC ? job->rows - m0 : MC;
  const int pixels = s->out_h * s->out_w;
  /*
   * Without dilation along the width, a filter row's fw taps read fw consecutive pixels: one
   * pointer per filter row to fw * in_c consecutive values (the same depth order, so the same
   * multiply-adds in the same order) instead of one per tap. Rows whose window crosses the
   * left or right edge get that run copied, with zeros for the padding, into `windows`.
   */
  const int merged = s->dilation_w == 1 && s->filter_w > 1;
  const int taps = merged ? s->filter_h : s->filter_h * s->filter_w;
  const int chans = merged ? s->filter_w * s->in_c : s->in_c;
  const float **ind = scratch_pointers(thread, (size_t)MC * taps);
  float *dummy = scratch_floats(thread, 0, (size_t)s->out_c + NR_MAX);
  float *windows = merged ? scratch_floats(thread, 1, (size_t)MC * taps * chans) : NULL;
  if (!ind || !dummy || (merged && !windows)) return;
  float *rows[MC + MR] = {0};
  /* Each tap's offset from the window's top-left value: a window inside x needs no bounds check. */
  ptrdiff_t offset[taps];
  for (int t = 0; t < taps; t++) {
    const int kh = merged ? t : t / s->filter_w, kw = merged ? 0 : t % s->filter_w;
    offset[t] = ((ptrdiff_t)kh * s->dilation_h * s->in_w + (ptrdiff_t)kw * s->dilation_w) * s->in_c;
  }
  const int span_h = (s->filter_h - 1) * s->dilation_h, span_w = (s->filter_w - 1) * s->dilation_w;
  /* the block's first pixel, then one pixel further per row (no division per row) */
  int n = m0 / pixels;
  int oh = (m0 - n * pixels) / s->out_w;
  int ow = m0 - n * pixels - oh * s->out_w;
  for (int r = 0; r < ((mc + MR - 1) / MR) * MR; r++) {
    const float **slot = ind + (size_t)(r / MR) * taps * MR + (r % MR);
    if (r >= mc) {
      rows[r] = dummy;
      for (int t = 0; t < taps; t++) slot[(size_t)t * MR] = job->zeros;
      continue;
    }
    const int m = m0 + r;
    rows[r] = job->y + (size_t)m * s->out_c;
    const int ih0 = oh * s->stride_h - s->pad_top;
    const int iw0 = ow * s->stride_w - s->pad_left;
    if (ih0 >= 0 && ih0 + span_h < s->in_h && iw0 >= 0 && iw0 + span_w < s->in_w) {
      const float *corner = job->x + (((size_t)n * s->in_h + ih0) * s->in_w + iw0) * s->in_c;
      for (int t = 0; t < taps; t++) slot[(size_t)t * MR] = corner + offset[t];
    } else if (merged) {
      const int inside = iw0 >= 0 && iw0 + span_w < s->in_w;
      for (int kh = 0; kh < s->filter_h; kh++) {
        const int ih = ih0 + kh * s->dilation_h;
        if (ih < 0 || ih >= s->in_h) {
          slot[(size_t)kh * MR] = job->zeros;
          continue;
        }
        const float *line = job->x + ((size_t)n * s->in_h + ih) * s->in_w * s->in_c;
        if (inside) {
          slot[(size_t)kh * MR] = line + (size_t)iw0 * s->in_c;
          continue;
        }
        float *w = windows + ((size_t)r * taps + kh) * chans;
        for (int kw = 0; kw < s->filter_w; kw++) {
          const int iw = iw0 + kw;
          if (iw < 0 || iw >= s->in_w)
            memset(w + (size_t)kw * s->in_c, 0, sizeof(float) * s->in_c);
          else
            memcpy(w + (size_t)kw * s->in_c, line + (size_t)iw * s->in_c, sizeof(float) * s->in_c);
        }
        slot[(size_t)kh * MR] = w;
      }
    } else {
      for (int kh = 0, t = 0; kh < s->filter_h; kh++) {
        const int ih = ih0 + kh * s->dilation_h;
        for (int kw = 0; kw < s->filter_w; kw++, t++) {
          const int iw = iw0 + kw * s->dilation_w;
          slot[(size_t)t * MR] = (ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w)
                                     ? job->zeros
                                     : job->x + (((size_t)n * s->in_h + ih) * s->in_w + iw) * s->in_c;
        }
      }
    }
    if (++ow == s->out_w) {
      ow = 0;
      if (++oh == s->out_h) {
        oh = 0;
        n++;
      }
    }
  }
  const epilogue e = {job->bias, job->activation, job->alpha};
  indirect_block(mc, taps, chans, s->out_c, ind, job->bpack, job->nr, rows,
                 job->bias || job->activation != ACT_LINEAR ? &e : NULL);
}

/* ------------------------------------------------------------------------ */
/*
 * Winograd F(2x2, 3x3) for 3x3 convolutions of stride 1 without dilation:
 * each 2x2 block of outputs ("tile") from its 4x4 input patch d, as
 *   y = A^T [ (G g G^T) (.) (B^T d B) ] A
 * with 16 multiplications per tile and channel pair where the direct product
 * takes 36. The transformed filter U = G g G^T is 16 matrices of C x K; each
 * task transforms the patches of a block of tiles into 16 matrices V of
 * tiles x C, multiplies V[xi] by U[xi] with the same register tiles as the
 * direct product (one tap, C deep), and transforms the 16 products back.
 * Every value goes through the same operations in the same order whatever
 * the thread count or the vector width: the same bits on any of them.
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 */

/* Set by conv_set_winograd: 0 turns the Winograd path off (every convolution direct). */
static int winograd_enabled = 1;

int conv_set_winograd(int on) {
  if (on >= 0) winograd_enabled = on != 0;
  return winograd_enabled;
}

/* Channels below which the direct product is kept: the transforms cost as much as they save. */
#define WINOGRAD_MIN_CHANNELS 8

static int winograd_fits(const conv_shape *s) {
  return winograd_enabled && s->filter_h == 3 && s->filter_w == 3 && s->stride_h == 1 && s->stride_w == 1 &&
         s->dilation_h == 1 && s->dilation_w == 1 && s->pad_top >= 0 && s->pad_top <= 2 && s->pad_left >= 0 &&
         s->pad_left <= 2 && s->in_c >= WINOGRAD_MIN_CHANNELS && s->out_c >= WINOGRAD_MIN_CHANNELS;
}

typedef struct {
  const conv_shape *s;
  const float *x;
  const float *zeros;  /* in_c + NR_MAX zeros: the padding */
  const float *upack;  /* 16 transformed filters, each packed into ceil(K / nr) panels of C x nr */
  size_t ustride;      /* floats per packed transformed filter */
  int nr;
  float *y;
  int tiles_h, tiles_w, tiles;
  int block;           /* tiles per task: a multiple of MR, at most MC */
  const float *bias;
  int activation;
  float alpha;
} winograd_job;

/*
 * The 16 values B^T d B of one channel run: v[xi * ldv + c] from the 16 patch rows p[a * 4 + b][c],
 * 8 channels at a time (additions lane by lane: the same bits as one channel at a time).
 */
static inline AVX2 void winograd_input8(const float *const *p, int c, float *v, size_t ldv) {
  __m256 t[4][4];
  for (int b = 0; b < 4; b++) {
    const __m256 d0 = _mm256_loadu_ps(p[b] + c), d1 = _mm256_loadu_ps(p[4 + b] + c), d2 = _mm256_loadu_ps(p[8 + b] + c),
                 d3 = _mm256_loadu_ps(p[12 + b] + c);
    t[0][b] = _mm256_sub_ps(d0, d2);
    t[1][b] = _mm256_add_ps(d1, d2);
    t[2][b] = _mm256_sub_ps(d2, d1);
    t[3][b] = _mm256_sub_ps(d1, d3);
  }
  for (int a = 0; a < 4; a++) {
    _mm256_storeu_ps(v + (size_t)(a * 4 + 0) * ldv + c, _mm256_sub_ps(t[a][0], t[a][2]));
    _mm256_storeu_ps(v + (size_t)(a * 4 + 1) * ldv + c, _mm256_add_ps(t[a][1], t[a][2]));
    _mm256_storeu_ps(v + (size_t)(a * 4 + 2) * ldv + c, _mm256_sub_ps(t[a][2], t[a][1]));
    _mm256_storeu_ps(v + (size_t)(a * 4 + 3) * ldv + c, _mm256_sub_ps(t[a][1], t[a][3]));
  }
}

static AVX2 void winograd_input256(const float *const *p, int chans, float *v, size_t ldv) {
  int c = 0;
  for (; c + 8 <= chans; c += 8) winograd_input8(p, c, v, ldv);
  for (; c < chans; c++) {
    float t[4][4];
    for (int b = 0; b < 4; b++) {
      const float d0 = p[b][c], d1 = p[4 + b][c], d2 = p[8 + b][c], d3 = p[12 + b][c];
      t[0][b] = d0 - d2;
      t[1][b] = d1 + d2;
      t[2][b] = d2 - d1;
      t[3][b] = d1 - d3;
    }
    for (int a = 0; a < 4; a++) {
      v[(size_t)(a * 4 + 0) * ldv + c] = t[a][0] - t[a][2];
      v[(size_t)(a * 4 + 1) * ldv + c] = t[a][1] + t[a][2];
      v[(size_t)(a * 4 + 2) * ldv + c] = t[a][2] - t[a][1];
      v[(size_t)(a * 4 + 3) * ldv + c] = t[a][1] - t[a][3];
    }
  }
}

/*
 * The transforms 16 channels at a time with AVX-512 (the last ones under a mask): the same
 * additions lane by lane as 8 or 1 at a time, so the same bits; where the tiles are 32 wide.
 */
static inline __mmask16 lanes(int left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u); }

static inline AVX512 void winograd_input16(const float *const *p, int c, __mmask16 m, float *v, size_t ldv) {
  __m512 t[4][4];
  for (int b = 0; b < 4; b++) {
    const __m512 d0 = _mm512_maskz_loadu_ps(m, p[b] + c), d1 = _mm512_maskz_loadu_ps(m, p[4 + b] + c),
                 d2 = _mm512_maskz_loadu_ps(m, p[8 + b] + c), d3 = _mm512_maskz_loadu_ps(m, p[12 + b] + c);
    t[0][b] = _mm512_sub_ps(d0, d2);
    t[1][b] = _mm512_add_ps(d1, d2);
    t[2][b] = _mm512_sub_ps(d2, d1);
    t[3][b] = _mm512_sub_ps(d1, d3);
  }
  for (int a = 0; a < 4; a++) {
    _mm512_mask_storeu_ps(v + (size_t)(a * 4 + 0) * ldv + c, m, _mm512_sub_ps(t[a][0], t[a][2]));
    _mm512_mask_storeu_ps(v + (size_t)(a * 4 + 1) * ldv + c, m, _mm512_add_ps(t[a][1], t[a][2]));
    _mm512_mask_storeu_ps(v + (size_t)(a * 4 + 2) * ldv + c, m, _mm512_sub_ps(t[a][2], t[a][1]));
    _mm512_mask_storeu_ps(v + (size_t)(a * 4 + 3) * ldv + c, m, _mm512_sub_ps(t[a][1], t[a][3]));
  }
}

static AVX512 void winograd_input512(const float *const *p, int chans, float *v, size_t ldv) {
  for (int c = 0; c < chans; c += 16) winograd_input16(p, c, lanes(chans - c), v, ldv);
}

/* B^T d B for `chans` channels of one tile (winograd_input8). */
static void winograd_input(const float *const *p, int chans, float *v, size_t ldv) {
  if (current_panel_width() == NR_MAX)
    winograd_input512(p, chans, v, ldv);
  else
    winograd_input256(p, chans, v, ldv);
}

/* One tile's outputs A^T m A: out[r * 2 + q][k] from m[xi * ldm + k], 8 channels at a time. */
static inline AVX2 void winograd_output8(const float *m, size_t ldm, int k, float *const *out, const epilogue *e) {
  __m256 s[2][4];
  for (int b = 0; b < 4; b++) {
    const __m256 m0 = _mm256_loadu_ps(m + (size_t)b * ldm + k), m1 = _mm256_loadu_ps(m + (size_t)(4 + b) * ldm + k),
                 m2 = _mm256_loadu_ps(m + (size_t)(8 + b) * ldm + k), m3 = _mm256_loadu_ps(m + (size_t)(12 + b) * ldm + k);
    s[0][b] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
    s[1][b] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
  }
  for (int r = 0; r < 2; r++) {
    _mm256_storeu_ps(out[r * 2] + k, epilogue8(_mm256_add_ps(_mm256_add_ps(s[r][0], s[r][1]), s[r][2]), e, k));
    _mm256_storeu_ps(out[r * 2 + 1] + k, epilogue8(_mm256_sub_ps(_mm256_sub_ps(s[r][1], s[r][2]), s[r][3]), e, k));
  }
}

static inline AVX512 void winograd_output16(const float *m, size_t ldm, int k, __mmask16 mask, float *const *out,
                                            const epilogue *e) {
  __m512 s[2][4];
  for (int b = 0; b < 4; b++) {
    const __m512 m0 = _mm512_maskz_loadu_ps(mask, m + (size_t)b * ldm + k),
                 m1 = _mm512_maskz_loadu_ps(mask, m + (size_t)(4 + b) * ldm + k),
                 m2 = _mm512_maskz_loadu_ps(mask, m + (size_t)(8 + b) * ldm + k),
                 m3 = _mm512_maskz_loadu_ps(mask, m + (size_t)(12 + b) * ldm + k);
    s[0][b] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
    s[1][b] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
  }
  for (int r = 0; r < 2; r++) {
    _mm512_mask_storeu_ps(out[r * 2] + k, mask,
                          epilogue16(_mm512_add_ps(_mm512_add_ps(s[r][0], s[r][1]), s[r][2]), e, k, mask));
    _mm512_mask_storeu_ps(out[r * 2 + 1] + k, mask,
                          epilogue16(_mm512_sub_ps(_mm512_sub_ps(s[r][1], s[r][2]), s[r][3]), e, k, mask));
  }
}

static AVX512 void winograd_output512(const float *m, size_t ldm, int cols, float *const *out, const epilogue *e) {
  for (int k = 0; k < cols; k += 16) winograd_output16(m, ldm, k, lanes(cols - k), out, e);
}

static AVX2 void winograd_output256(const float *m, size_t ldm, int cols, float *const *out, const epilogue *e) {
  int k = 0;
  for (; k + 8 <= cols; k += 8) winograd_output8(m, ldm, k, out, e);
  for (; k < cols; k++) {
    float s[2][4];
    for (int b = 0; b < 4; b++) {
      const float m0 = m[(size_t)b * ldm + k], m1 = m[(size_t)(4 + b) * ldm + k], m2 = m[(size_t)(8 + b) * ldm + k],
                  m3 = m[(size_t)(12 + b) * ldm + k];
      s[0][b] = m0 + m1 + m2;
      s[1][b] = m1 - m2 - m3;
    }
    for (int r = 0; r < 2; r++) {
      out[r * 2][k] = epilogue1(s[r][0] + s[r][1] + s[r][2], e, k);
      out[r * 2 + 1][k] = epilogue1(s[r][1] - s[r][2] - s[r][3], e, k);
    }
  }
}

static void winograd_output(const float *m, size_t ldm, int cols, float *const *out, const epilogue *e) {
  if (current_panel_width() == NR_MAX)
    winograd_output512(m, ldm, cols, out, e);
  else
    winograd_output256(m, ldm, cols, out, e);
}

/* Tile `tile`'s image n and tile row th and column tw (tiles_w tiles a row, per_image an image). */
static inline void winograd_tile(int tile, int tiles_w, int per_image, int *n, int *th, int *tw) {
  *n = tile / per_image;
  *th = (tile - *n * per_image) / tiles_w;
  *tw = tile - *n * per_image - *th * tiles_w;
}

/* The 16 rows (C values each) of the 4x4 input patch of tile (n, th, tw), `zeros` where it lies outside x. */
static void winograd_patch(const conv_shape *s, const float *x, const float *zeros, int n, int th, int tw, const float **p) {
  const int ih0 = 2 * th - s->pad_top, iw0 = 2 * tw - s->pad_left;
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      const int ih = ih0 + a, iw = iw0 + b;
      p[a * 4 + b] = (ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w)
                         ? zeros
                         : x + (((size_t)n * s->in_h + ih) * s->in_w + iw) * s->in_c;
    }
}

/*
 * Tiles ahead whose patch rows are prefetched while one is transformed: in a profile of
 * bench:train's net, most of the input transform's time was its first loads of each patch row
 * (x is often the previous kernel's output, out of the core's caches).
 */
#define WINOGRAD_PREFETCH 4

/*
 * The distance between the 16 transformed matrices of a block: `floats` rounded up to an odd
 * number of 64-byte lines. The transforms write (and read) one row of each of the 16 at a time;
 * 16 addresses a multiple of 4 KiB apart share one set of the level-1 cache, which holds 8 to 12
 * lines, and evict each other on every tile (12 KiB apart at 96 tiles of 32 channels: 2-3x
 * slower transforms). An odd number of lines apart, the 16 rows fall in 16 different sets.
 */
static inline size_t winograd_stride(size_t floats) {
  const size_t lines = (floats + 15) / 16;
  return (lines | 1) * 16;
}

/* Prefetches the `chans` values of each of n rows (16: a 4x4 patch of x; 4: a 2x2 block of dy). */
static inline void prefetch_rows(const float *const *p, int n, int chans) {
  for (int a = 0; a < n; a++)
    for (int c = 0; c < chans; c += 16) __builtin_prefetch(p[a] + c, 0, 3);
}

static void winograd_task(const void *ctx, int task, int thread) {
  const winograd_job *job = ctx;
  const conv_shape *s = job->s;
  const int C = s->in_c, K = s->out_c;
  const int t0 = task * job->block;
  const int nt = job->tiles - t0 < job->block ? job->tiles - t0 : job->block;
  const int padded = ((nt + MR - 1) / MR) * MR;
  const size_t ldv = winograd_stride((size_t)job->block * C), ldm = winograd_stride((size_t)job->block * K);
  float *v = scratch_floats(thread, 0, 16 * ldv);
  float *m = scratch_floats(thread, 1, 16 * ldm + 4 * ((size_t)K + NR_MAX));
  const float **ind = scratch_pointers(thread, (size_t)MC + MR + 16 * (size_t)nt);
  if (!v || !m || !ind) return;
  float *dummy = m + 16 * ldm; /* rows past the block, and outputs past the edge */
  float *rows[MC + MR] = {0};
  const int per_image = job->tiles_h * job->tiles_w;
  const epilogue e = {job->bias, job->activation, job->alpha};
  const float **patches = ind + MC + MR;
  for (int i = 0; i < nt; i++) {
    int n, th, tw;
    winograd_tile(t0 + i, job->tiles_w, per_image, &n, &th, &tw);
    winograd_patch(s, job->x, job->zeros, n, th, tw, patches + 16 * (size_t)i);
  }
  for (int i = 0; i < nt; i++) {
    if (i + WINOGRAD_PREFETCH < nt) prefetch_rows(patches + 16 * (size_t)(i + WINOGRAD_PREFETCH), 16, C);
    winograd_input(patches + 16 * (size_t)i, C, v + (size_t)i * C, ldv);
  }
  for (int xi = 0; xi < 16; xi++) {
    for (int r = 0; r < padded; r++) {
      ind[r] = r < nt ? v + xi * ldv + (size_t)r * C : job->zeros;
      rows[r] = r < nt ? m + xi * ldm + (size_t)r * K : dummy;
    }
    indirect_block(nt, 1, C, K, ind, job->upack + xi * job->ustride, job->nr, rows, NULL);
  }
  for (int i = 0; i < nt; i++) {
    int n, th, tw;
    winograd_tile(t0 + i, job->tiles_w, per_image, &n, &th, &tw);
    float *out[4];
    for (int r = 0; r < 2; r++)
      for (int q = 0; q < 2; q++) {
        const int oh = 2 * th + r, ow = 2 * tw + q;
        out[r * 2 + q] = (oh < s->out_h && ow < s->out_w) ? job->y + (((size_t)n * s->out_h + oh) * s->out_w + ow) * K
                                                           : dummy + (size_t)(r * 2 + q) * (K + NR_MAX);
      }
    winograd_output(m + (size_t)i * K, ldm, K, out, &e);
  }
}

/* The convolution s (winograd_fits) by Winograd F(2x2, 3x3); w in HWIO. 0, or -1 when out of memory. */
static int conv_forward_winograd(const conv_shape *s, const float *x, const float *w, float *y, const float *bias,
                                 int activation, float alpha) {
  const int C = s->in_c, K = s->out_c;
  const int nr = panel_width_for(K);
  const int panels = (K + nr - 1) / nr;
  const size_t ustride = (size_t)panels * C * nr;
  float *u = call_floats(CALL_WEIGHTS, 16 * (size_t)C * K);
  float *upack = call_floats(CALL_PACK, 16 * ustride);
  float *zeros = calloc((size_t)C + NR_MAX, sizeof(float));
  if (!u || !upack || !zeros) {
    free(zeros);
    return -1;
  }
  /* U[a * 4 + b][c][k] = sum_i,j G[a][i] w[i][j][c][k] G[b][j] */
  const size_t ck = (size_t)C * K;
  for (size_t e = 0; e < ck; e++) {
    float g[3][3], t[4][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) g[i][j] = w[(size_t)(i * 3 + j) * ck + e];
    for (int j = 0; j < 3; j++) {
      t[0][j] = g[0][j];
      t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
      t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
      t[3][j] = g[2][j];
    }
    for (int a = 0; a < 4; a++) {
      u[(size_t)(a * 4 + 0) * ck + e] = t[a][0];
      u[(size_t)(a * 4 + 1) * ck + e] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
      u[(size_t)(a * 4 + 2) * ck + e] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
      u[(size_t)(a * 4 + 3) * ck + e] = t[a][2];
    }
  }
  for (int xi = 0; xi < 16; xi++) pack_columns(u + xi * ck, C, K, (size_t)K, nr, upack + xi * ustride);
  const int widest = C > K ? C : K;
  /* blocks whose 16 V and 16 M matrices stay in a core's cache (about 200 KiB each) */
  const int block = widest <= 32 ? MC : widest <= 64 ? MC / 2 : MC / 4;
  winograd_job job = {s, x, zeros, upack, ustride, nr, y, (s->out_h + 1) / 2, (s->out_w + 1) / 2, 0, block,
                      bias, activation, alpha};
  job.tiles = s->batch * job.tiles_h * job.tiles_w;
  parallel_for((job.tiles + block - 1) / block, winograd_task, &job);
  free(zeros);
  return 0;
}

/* The input gradient of s (winograd_fits) as the Winograd convolution of dy with the rotated, transposed filter. */
static int conv_input_grad_winograd(const conv_shape *s, const float *dy, const float *w, float *dx) {
  const int cin = s->in_c, cout = s->out_c;
  float *wt = call_floats(CALL_TRANSPOSED, 9 * (size_t)cin * cout);
  if (!wt) return -1;
  /* wt[kh][kw][co][ci] = w[2 - kh][2 - kw][ci][co] */
  for (int t = 0; t < 9; t++) {
    const float *src = w + (size_t)(8 - t) * cin * cout;
    for (int ci = 0; ci < cin; ci++)
      for (int co = 0; co < cout; co++) wt[((size_t)t * cout + co) * cin + ci] = src[(size_t)ci * cout + co];
  }
  const conv_shape t = {s->batch, s->out_h, s->out_w, cout, s->in_h, s->in_w, cin, 3, 3, 1, 1, 1, 1,
                        2 - s->pad_top, 2 - s->pad_left};
  return conv_forward_winograd(&t, dy, wt, dx, NULL, ACT_LINEAR, 0.0f);
}

int conv_forward(const conv_shape *s, const float *x, const float *w, float *y, const float *bias,
                        int activation, float alpha) {
  if (winograd_fits(s)) return conv_forward_winograd(s, x, w, y, bias, activation, alpha);
  const int depth = s->filter_h * s->filter_w * s->in_c;
  const int cols = s->out_c;
  const int rows = s->batch * s->out_h * s->out_w;
  const int nr = panel_width_for(cols);
  const int panels = (cols + nr - 1) / nr;
  float *bpack = call_floats(CALL_PACK, (size_t)panels * depth * nr);
  /* the padding: a zero row as long as a merged filter row (filter_w * in_c values) */
  float *zeros = calloc((size_t)s->filter_w * s->in_c + NR_MAX, sizeof(float));
  if (!bpack || !zeros) {
    free(zeros);
    return -1;
  }
  pack_columns(w, depth, cols, (size_t)cols, nr, bpack);
  forward_job job = {s, x, zeros, bpack, nr, y, rows, bias, activation, alpha};
  parallel_for((rows + MC - 1) / MC, forward_task, &job);
  free(zeros);
  return 0;
}

/* ------------------------------------------------------------------------ */
/*
 * Input gradient, one stride phase at a time: the dx pixels (ih, iw) with the
 * same (ih mod stride, iw mod stride) receive from the same filter taps, so
 * each phase is one indirect product dx[q][ci] = sum_t,co dy[q via t][co] * w[t][ci][co].
 */

typedef struct {
  const conv_shape *s;
  const float *dy;
  const float *zeros; /* at least out_c zeros */
  float *dx;
  const float *bpack;
  int nr;
  const int *taps; /* (kh, kw) pairs valid in this phase */
  int tap_count;
  int phase_h, phase_w; /* first ih, iw of the phase */
  int count_h, count_w; /* rows and columns of dx in the phase */
  int rows;             /* batch * count_h * count_w */
} input_job;

static void input_task(const void *ctx, int task, int thread) {
  const input_job *job = ctx;
  const conv_shape *s = job->s;
  const int m0 = task * MC;
  const int mc = job->rows - m0 < MC ? job->rows - m0 : MC;
  const int per_image = job->count_h * job->count_w;
  const int taps = job->tap_count;
  const float **ind = scratch_pointers(thread, (size_t)MC * (taps > 0 ? taps : 1));
  float *dummy = scratch_floats(thread, 0, (size_t)s->in_c + NR_MAX);
  if (!ind || !dummy) return;
  float *rows[MC + MR] = {0};
  /*
   * The dx pixel (i, j) of the phase (ih = phase_h + i * stride_h) receives from tap t the dy pixel
   * (i + dh[t], j + dw[t]): the phase holds only taps that land on a stride multiple, so these are
   * exact divisions, done once per tap. Inside dy for every tap, a pixel's pointers are its
   * corner plus each tap's offset.
   */
  int dh[taps > 0 ? taps : 1], dw[taps > 0 ? taps : 1];
  ptrdiff_t offset[taps > 0 ? taps : 1];
  int min_h = 0, max_h = 0, min_w = 0, max_w = 0;
  for (int t = 0; t < taps; t++) {
    dh[t] = (job->phase_h + s->pad_top - job->taps[2 * t] * s->dilation_h) / s->stride_h;
    dw[t] = (job->phase_w + s->pad_left - job->taps[2 * t + 1] * s->dilation_w) / s->stride_w;
    offset[t] = ((ptrdiff_t)dh[t] * s->out_w + dw[t]) * s->out_c;
    if (t == 0 || dh[t] < min_h) min_h = dh[t];
    if (t == 0 || dh[t] > max_h) max_h = dh[t];
    if (t == 0 || dw[t] < min_w) min_w = dw[t];
    if (t == 0 || dw[t] > max_w) max_w = dw[t];
  }
  int n = m0 / per_image;
  int i = (m0 - n * per_image) / job->count_w;
  int j = m0 - n * per_image - i * job->count_w;
  for (int r = 0; r < ((mc + MR - 1) / MR) * MR; r++) {
    const float **slot = ind + (size_t)(r / MR) * taps * MR + (r % MR);
    if (r >= mc) {
      rows[r] = dummy;
      for (int t = 0; t < taps; t++) slot[(size_t)t * MR] = job->zeros;
      continue;
    }
    const int ih = job->phase_h + i * s->stride_h;
    const int iw = job->phase_w + j * s->stride_w;
    rows[r] = job->dx + (((size_t)n * s->in_h + ih) * s->in_w + iw) * s->in_c;
    if (i + min_h >= 0 && i + max_h < s->out_h && j + min_w >= 0 && j + max_w < s->out_w) {
      const ptrdiff_t corner = (((ptrdiff_t)n * s->out_h + i) * s->out_w + j) * s->out_c;
      for (int t = 0; t < taps; t++) slot[(size_t)t * MR] = job->dy + (corner + offset[t]);
    } else {
      for (int t = 0; t < taps; t++) {
        const int oh = i + dh[t], ow = j + dw[t];
        slot[(size_t)t * MR] = (oh < 0 || ow < 0 || oh >= s->out_h || ow >= s->out_w)
                                   ? job->zeros
                                   : job->dy + (((size_t)n * s->out_h + oh) * s->out_w + ow) * s->out_c;
      }
    }
    if (++j == job->count_w) {
      j = 0;
      if (++i == job->count_h) {
        i = 0;
        n++;
      }
    }
  }
  if (taps == 0) {
    for (int r = 0; r < mc; r++) memset(rows[r], 0, sizeof(float) * s->in_c);
    return;
  }
  indirect_block(mc, taps, s->out_c, s->in_c, ind, job->bpack, job->nr, rows, NULL);
}

static int positive_mod(int a, int b) {
  int r = a % b;
  return r < 0 ? r + b : r;
}

int conv_input_grad(const conv_shape *s, const float *dy, const float *w, float *dx) {
  if (winograd_fits(s)) return conv_input_grad_winograd(s, dy, w, dx);
  const int cin = s->in_c, cout = s->out_c;
  const int nr = panel_width_for(cin);
  const int panels = (cin + nr - 1) / nr;
  const int max_depth = s->filter_h * s->filter_w * cout;
  int *taps = malloc(sizeof(int) * 2 * s->filter_h * s->filter_w);
  float *wt = call_floats(CALL_WEIGHTS, (size_t)max_depth * cin);
  float *bpack = call_floats(CALL_PACK, (size_t)panels * max_depth * nr);
  float *zeros = calloc((size_t)cout + NR_MAX, sizeof(float));
  if (!taps || !wt || !bpack || !zeros) {
    free(taps);
    free(zeros);
    return -1;
  }
  for (int ph = 0; ph < s->stride_h && ph < s->in_h; ph++) {
    for (int pw = 0; pw < s->stride_w && pw < s->in_w; pw++) {
      int tap_count = 0;
      for (int kh = 0; kh < s->filter_h; kh++) {
        if (positive_mod(ph + s->pad_top - kh * s->dilation_h, s->stride_h) != 0) continue;
        for (int kw = 0; kw < s->filter_w; kw++) {
          if (positive_mod(pw + s->pad_left - kw * s->dilation_w, s->stride_w) != 0) continue;
          taps[2 * tap_count] = kh;
          taps[2 * tap_count + 1] = kw;
          tap_count++;
        }
      }
      const int depth = tap_count * cout;
      /* wt[(t, co)][ci] = w[kh][kw][ci][co] */
      for (int t = 0; t < tap_count; t++) {
        const float *src = w + ((size_t)taps[2 * t] * s->filter_w + taps[2 * t + 1]) * cin * cout;
        for (int ci = 0; ci < cin; ci++)
          for (int co = 0; co < cout; co++) wt[((size_t)t * cout + co) * cin + ci] = src[(size_t)ci * cout + co];
      }
      if (depth > 0) pack_columns(wt, depth, cin, (size_t)cin, nr, bpack);
      const int count_h = (s->in_h - ph + s->stride_h - 1) / s->stride_h;
      const int count_w = (s->in_w - pw + s->stride_w - 1) / s->stride_w;
      input_job job = {s, dy, zeros, dx, bpack, nr, taps, tap_count, ph, pw, count_h, count_w,
                       s->batch * count_h * count_w};
      parallel_for((job.rows + MC - 1) / MC, input_task, &job);
    }
  }
  free(taps);
  free(zeros);
  return 0;
}

/* ------------------------------------------------------------------------ */
/*
 * Filter gradient: dw[t][ci][co] = sum_p x[p shifted by t][ci] * dy[p][co].
 * The output pixels are cut into blocks of PC, and the blocks into at most
 * MAX_CHUNKS chunks fixed by the shape; each chunk sums its blocks, in order,
 * into its own copy of dw, and the copies are added in chunk order
 * (ordered_sum): the same bits whatever thread runs which chunk, and on any
 * number of threads. Per tap, a block keeps one pointer per pixel into x (or
 * a zero row), and the tile reads 6 channels of it and 16 channels of dy per
 * pixel: nothing is packed.
 */

#define PC 128 /* pixels per block */

typedef struct {
  const conv_shape *s;
  const float *x;
  const float *zeros; /* at least filter_w * in_c + NR_MAX zeros */
  const float *dy;
  int pixels;                  /* P */
  int nr;                      /* tile width: 16 (AVX2) or 32 (AVX-512) */
  int blocks, chunks;          /* ceil(P / PC) blocks of pixels, cut into chunks */
  float *partial[MAX_CHUNKS];  /* per chunk K x Cout sums */
} filter_job;

/*
 * rows[r][col..col+cols) += sum_p xp[p][ci0 + r] * dy[p][col..col+cols), r < nrows
 * (with `first`, = instead of +=).
 * Inlined with constant `nrows` and `masked` (cols < 16: masked loads and
 * stores) so that each variant gets its own straight-line code.
 */
static inline __attribute__((always_inline, target("avx2,fma"))) void filter_tile(
    int pixels, const float *const *xp, int ci0, const float *dy, int ldy, float *const *rows, int col, int cols,
    const int nrows, const int masked, int first) {
  __m256i mlo = _mm256_set1_epi32(-1), mhi = mlo;
  if (masked) column_masks(cols, &mlo, &mhi);
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int p = 0; p < pixels; p++) {
    const float *a = xp[p] + ci0;
    const float *d = dy + (size_t)p * ldy;
    const __m256 b0 = masked ? _mm256_maskload_ps(d, mlo) : _mm256_loadu_ps(d);
    const __m256 b1 = masked ? _mm256_maskload_ps(d + 8, mhi) : _mm256_loadu_ps(d + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      if (r < nrows) {
        const __m256 v = _mm256_broadcast_ss(a + r);
        acc[r][0] = _mm256_fmadd_ps(v, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(v, b1, acc[r][1]);
      }
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    if (r < nrows) {
      float *c = rows[r] + col;
      if (first) {
        if (masked) {
          _mm256_maskstore_ps(c, mlo, acc[r][0]);
          _mm256_maskstore_ps(c + 8, mhi, acc[r][1]);
        } else {
          _mm256_storeu_ps(c, acc[r][0]);
          _mm256_storeu_ps(c + 8, acc[r][1]);
        }
      } else if (masked) {
        _mm256_maskstore_ps(c, mlo, _mm256_add_ps(acc[r][0], _mm256_maskload_ps(c, mlo)));
        _mm256_maskstore_ps(c + 8, mhi, _mm256_add_ps(acc[r][1], _mm256_maskload_ps(c + 8, mhi)));
      } else {
        _mm256_storeu_ps(c, _mm256_add_ps(acc[r][0], _mm256_loadu_ps(c)));
        _mm256_storeu_ps(c + 8, _mm256_add_ps(acc[r][1], _mm256_loadu_ps(c + 8)));
      }
    }
  }
}

/*
 * filter_tile_rows / filter_tile_rows512: `tile` with the row count and the
 * full or masked column case as constants, so that each of the 12 variants
 * gets its own straight-line code. Two functions, not one: the AVX2 one must
 * not be compiled for AVX-512.
 */
#define FILTER_TILE_CASE(tile, n)                                            \
  case n:                                                                    \
    if (masked)                                                              \
      tile(pixels, xp, ci0, dy, ldy, rows, col, cols, n, 1, first);          \
    else                                                                     \
      tile(pixels, xp, ci0, dy, ldy, rows, col, cols, n, 0, first);          \
    break;
#define DEFINE_FILTER_TILE_ROWS(name, attributes, tile, full)                                                  \
  attributes static void name(int nrows, int pixels, const float *const *xp, int ci0, const float *dy, int ldy, \
                              float *const *rows, int col, int cols, int first) {                               \
    const int masked = cols != (full);                                                                          \
    switch (nrows) {                                                                                            \
      FILTER_TILE_CASE(tile, 6)                                                                                 \
      FILTER_TILE_CASE(tile, 5)                                                                                 \
      FILTER_TILE_CASE(tile, 4)                                                                                 \
      FILTER_TILE_CASE(tile, 3)                                                                                 \
      FILTER_TILE_CASE(tile, 2)                                                                                 \
      default:                                                                                                  \
        FILTER_TILE_CASE(tile, 1)                                                                               \
    }                                                                                                           \
  }

DEFINE_FILTER_TILE_ROWS(filter_tile_rows, AVX2, filter_tile, NR)

/* The same tile 32 columns wide with AVX-512 (`masked`: cols < 32). */
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) void filter_tile512(
    int pixels, const float *const *xp, int ci0, const float *dy, int ldy, float *const *rows, int col, int cols,
    const int nrows, const int masked, int first) {
  __mmask16 mlo = 0xFFFF, mhi = 0xFFFF;
  if (masked) column_masks512(cols, &mlo, &mhi);
  __m512 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int p = 0; p < pixels; p++) {
    const float *a = xp[p] + ci0;
    const float *d = dy + (size_t)p * ldy;
    const __m512 b0 = masked ? _mm512_maskz_loadu_ps(mlo, d) : _mm512_loadu_ps(d);
    const __m512 b1 = masked ? _mm512_maskz_loadu_ps(mhi, d + 16) : _mm512_loadu_ps(d + 16);
#pragma GCC unroll 6
    for (int r = 0; r < MR; r++) {
      if (r < nrows) {
        const __m512 v = _mm512_set1_ps(a[r]);
        acc[r][0] = _mm512_fmadd_ps(v, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(v, b1, acc[r][1]);
      }
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; r++) {
    if (r < nrows) {
      float *c = rows[r] + col;
      if (first) {
        _mm512_mask_storeu_ps(c, mlo, acc[r][0]);
        _mm512_mask_storeu_ps(c + 16, mhi, acc[r][1]);
      } else {
        _mm512_mask_storeu_ps(c, mlo, _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(mlo, c)));
        _mm512_mask_storeu_ps(c + 16, mhi, _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(mhi, c + 16)));
      }
    }
  }
}

DEFINE_FILTER_TILE_ROWS(filter_tile_rows512, AVX512, filter_tile512, NR_MAX)

/*
 * c[ci][k] = (first) or += (otherwise) sum_p xp[p][ci] * dy[p][k], ci < chans, k < cols (dy and c
 * rows `cols` apart): the tile over every block of MR rows and every panel of columns.
 */
static void filter_product(int nr, int pixels, const float *const *xp, int chans, const float *dy, int cols, float *c,
                           int first) {
  for (int ci0 = 0; ci0 < chans; ci0 += MR) {
    const int nrows = chans - ci0 < MR ? chans - ci0 : MR;
    float *rows[MR];
    for (int r = 0; r < nrows; r++) rows[r] = c + (size_t)(ci0 + r) * cols;
    for (int col = 0; col < cols; col += nr) {
      const int n = cols - col < nr ? cols - col : nr;
      if (nr == NR_MAX)
        filter_tile_rows512(nrows, pixels, xp, ci0, dy + col, cols, rows, col, n, first);
      else
        filter_tile_rows(nrows, pixels, xp, ci0, dy + col, cols, rows, col, n, first);
    }
  }
}

/* Adds the block of pixels `block` into `c` (with `first`, writes it: every value of `c`). */
static void filter_block(const filter_job *job, int block, int thread, float *c, int first) {
  const conv_shape *s = job->s;
  const int p0 = block * PC;
  const int pc = job->pixels - p0 < PC ? job->pixels - p0 : PC;
  const int pixels = s->out_h * s->out_w;
  const int cin = s->in_c, cout = s->out_c;
  const float **xp = scratch_pointers(thread, PC);
  if (!xp) return;
  const float *dy = job->dy + (size_t)p0 * cout;
  /* each pixel's image and top-left input position, once per block (no division per tap) */
  int img[PC], top[PC], left[PC];
  for (int pp = 0, m = p0, n = m / pixels, rem = m - n * pixels, oh = rem / s->out_w, ow = rem - oh * s->out_w;
       pp < pc; pp++) {
    img[pp] = n;
    top[pp] = oh * s->stride_h - s->pad_top;
    left[pp] = ow * s->stride_w - s->pad_left;
    if (++ow == s->out_w) {
      ow = 0;
      if (++oh == s->out_h) {
        oh = 0;
        n++;
      }
    }
  }
  if (cin < MR && s->dilation_w == 1 && s->filter_w * cin >= MR) {
    /*
     * Few input channels without dilation along the width (an RGB stem): per filter row, each
     * pixel's window is filter_w * cin consecutive values of x, and the tile runs over those
     * (tap, channel) pairs, 6 at a time, reading x in place; only windows that cross the left or
     * right edge are copied, with zeros for the padding, and rows outside x read zeros. Each dw
     * value is the same chain of multiply-adds over the same pixels in the same order as below
     * (the rows of the tile are independent): the same bits, without copying every window.
     */
    const int run = s->filter_w * cin;
    float *windows = scratch_floats(thread, 1, (size_t)PC * run);
    if (!windows) return;
    for (int kh = 0; kh < s->filter_h; kh++) {
      for (int pp = 0; pp < pc; pp++) {
        const int ih = top[pp] + kh * s->dilation_h;
        if ((unsigned)ih >= (unsigned)s->in_h) {
          xp[pp] = job->zeros;
          continue;
        }
        const float *line = job->x + ((size_t)img[pp] * s->in_h + ih) * s->in_w * cin;
        if (left[pp] >= 0 && left[pp] + s->filter_w <= s->in_w) {
          xp[pp] = line + (size_t)left[pp] * cin;
          continue;
        }
        float *w = windows + (size_t)pp * run;
        for (int kw = 0; kw < s->filter_w; kw++) {
          const int iw = left[pp] + kw;
          for (int ci = 0; ci < cin; ci++) w[kw * cin + ci] = (unsigned)iw < (unsigned)s->in_w ? line[(size_t)iw * cin + ci] : 0.0f;
        }
        xp[pp] = w;
      }
      filter_product(job->nr, pc, xp, run, dy, cout, c + (size_t)kh * run * cout, first);
    }
    return;
  }
  if (cin < MR) {
    /*
     * Few input channels (an RGB stem): one row of the tile per channel would leave most of it
     * idle, so the block's windows are copied into rows of K = taps * cin values, and the tile
     * runs over (tap, channel) pairs, 6 at a time. Each dw value is the same chain of
     * multiply-adds over the same pixels in the same order: the same bits as below.
     */
    const int depth = s->filter_h * s->filter_w * cin;
    float *windows = scratch_floats(thread, 1, (size_t)PC * depth);
    if (!windows) return;
    const int span_h = (s->filter_h - 1) * s->dilation_h, span_w = (s->filter_w - 1) * s->dilation_w;
    for (int pp = 0; pp < pc; pp++) {
      float *w = windows + (size_t)pp * depth;
      xp[pp] = w;
      if (s->dilation_w == 1 && top[pp] >= 0 && top[pp] + span_h < s->in_h && left[pp] >= 0 && left[pp] + span_w < s->in_w) {
        /* inside x: each filter row's window is filter_w * cin contiguous values */
        const size_t run = (size_t)s->filter_w * cin;
        for (int kh = 0; kh < s->filter_h; kh++, w += run)
          memcpy(w, job->x + (((size_t)img[pp] * s->in_h + top[pp] + kh * s->dilation_h) * s->in_w + left[pp]) * cin, run * sizeof(float));
        continue;
      }
      for (int kh = 0; kh < s->filter_h; kh++) {
        const int ih = top[pp] + kh * s->dilation_h;
        for (int kw = 0; kw < s->filter_w; kw++, w += cin) {
          const int iw = left[pp] + kw * s->dilation_w;
          const float *src = ((unsigned)ih >= (unsigned)s->in_h || (unsigned)iw >= (unsigned)s->in_w)
                                 ? job->zeros
                                 : job->x + (((size_t)img[pp] * s->in_h + ih) * s->in_w + iw) * cin;
          for (int ci = 0; ci < cin; ci++) w[ci] = src[ci];
        }
      }
    }
    filter_product(job->nr, pc, xp, depth, dy, cout, c, first);
    return;
  }
  for (int kh = 0, t = 0; kh < s->filter_h; kh++) {
    for (int kw = 0; kw < s->filter_w; kw++, t++) {
      for (int pp = 0; pp < pc; pp++) {
        const int ih = top[pp] + kh * s->dilation_h;
        const int iw = left[pp] + kw * s->dilation_w;
        xp[pp] = ((unsigned)ih >= (unsigned)s->in_h || (unsigned)iw >= (unsigned)s->in_w)
                     ? job->zeros
                     : job->x + (((size_t)img[pp] * s->in_h + ih) * s->in_w + iw) * cin;
      }
      filter_product(job->nr, pc, xp, cin, dy, cout, c + (size_t)t * cin * cout, first);
    }
  }
}

/* Chunk `chunk`: its blocks in order into its own sums, the first one written, not added. */
static void filter_chunk(const void *ctx, int chunk, int thread) {
  const filter_job *job = ctx;
  const int64_t from = chunk_start(job->blocks, job->chunks, chunk);
  const int64_t to = chunk_start(job->blocks, job->chunks, chunk + 1);
  for (int64_t b = from; b < to; b++) filter_block(job, (int)b, thread, job->partial[chunk], b == from);
}

/* ------------------------------------------------------------------------ */
/*
 * The filter gradient of a Winograd-sized convolution (winograd_fits), as the
 * adjoint of F(2x2, 3x3): with V_t = B^T d_t B the tile's transformed patch
 * and D_t = A dy_t A^T its transformed 2x2 output gradient,
 *   dw = G^T [ sum_t V_t (.) D_t ] G,
 * the sum over tiles one product per xi of 16 (C x tiles by tiles x K), with
 * the direct filter gradient's tiles and its fixed chunks of blocks added in
 * chunk order: the same bits on any thread count and vector width.
 */

#define WINOGRAD_FILTER_TILES 64 /* tiles per block */

typedef struct {
  const conv_shape *s;
  const float *x;
  const float *dy;
  const float *zeros; /* max(C, K) + NR_MAX zeros */
  int nr;
  int tiles_h, tiles_w, tiles;
  int blocks, chunks;
  float *partial[MAX_CHUNKS]; /* per chunk 16 x C x K sums */
} winograd_filter_job;

/* winograd_dy's 16 channels from k with AVX-512: the same operations lane by lane, the same bits. */
static inline AVX512 void winograd_dy16(const float *const *g, int k, __mmask16 m, float *d, size_t ldd) {
  const __m512 g00 = _mm512_maskz_loadu_ps(m, g[0] + k), g01 = _mm512_maskz_loadu_ps(m, g[1] + k),
               g10 = _mm512_maskz_loadu_ps(m, g[2] + k), g11 = _mm512_maskz_loadu_ps(m, g[3] + k);
  const __m512 zero = _mm512_setzero_ps();
  const __m512 e[4][2] = {{g00, g01},
                          {_mm512_add_ps(g00, g10), _mm512_add_ps(g01, g11)},
                          {_mm512_sub_ps(g00, g10), _mm512_sub_ps(g01, g11)},
                          {_mm512_sub_ps(zero, g10), _mm512_sub_ps(zero, g11)}};
  for (int a = 0; a < 4; a++) {
    _mm512_mask_storeu_ps(d + (size_t)(a * 4 + 0) * ldd + k, m, e[a][0]);
    _mm512_mask_storeu_ps(d + (size_t)(a * 4 + 1) * ldd + k, m, _mm512_add_ps(e[a][0], e[a][1]));
    _mm512_mask_storeu_ps(d + (size_t)(a * 4 + 2) * ldd + k, m, _mm512_sub_ps(e[a][0], e[a][1]));
    _mm512_mask_storeu_ps(d + (size_t)(a * 4 + 3) * ldd + k, m, _mm512_sub_ps(zero, e[a][1]));
  }
}

static AVX2 void winograd_dy256(const float *const *g, int cols, float *d, size_t ldd) {
  int k = 0;
  for (; k + 8 <= cols; k += 8) {
    const __m256 g00 = _mm256_loadu_ps(g[0] + k), g01 = _mm256_loadu_ps(g[1] + k), g10 = _mm256_loadu_ps(g[2] + k),
                 g11 = _mm256_loadu_ps(g[3] + k);
    const __m256 zero = _mm256_setzero_ps();
    /* rows: e[a][q] = (g0q, g0q + g1q, g0q - g1q, -g1q) */
    const __m256 e[4][2] = {{g00, g01},
                            {_mm256_add_ps(g00, g10), _mm256_add_ps(g01, g11)},
                            {_mm256_sub_ps(g00, g10), _mm256_sub_ps(g01, g11)},
                            {_mm256_sub_ps(zero, g10), _mm256_sub_ps(zero, g11)}};
    for (int a = 0; a < 4; a++) {
      _mm256_storeu_ps(d + (size_t)(a * 4 + 0) * ldd + k, e[a][0]);
      _mm256_storeu_ps(d + (size_t)(a * 4 + 1) * ldd + k, _mm256_add_ps(e[a][0], e[a][1]));
      _mm256_storeu_ps(d + (size_t)(a * 4 + 2) * ldd + k, _mm256_sub_ps(e[a][0], e[a][1]));
      _mm256_storeu_ps(d + (size_t)(a * 4 + 3) * ldd + k, _mm256_sub_ps(zero, e[a][1]));
    }
  }
  for (; k < cols; k++) {
    const float g00 = g[0][k], g01 = g[1][k], g10 = g[2][k], g11 = g[3][k];
    const float e[4][2] = {{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11}, {0.0f - g10, 0.0f - g11}};
    for (int a = 0; a < 4; a++) {
      d[(size_t)(a * 4 + 0) * ldd + k] = e[a][0];
      d[(size_t)(a * 4 + 1) * ldd + k] = e[a][0] + e[a][1];
      d[(size_t)(a * 4 + 2) * ldd + k] = e[a][0] - e[a][1];
      d[(size_t)(a * 4 + 3) * ldd + k] = 0.0f - e[a][1];
    }
  }
}

static AVX512 void winograd_dy512(const float *const *g, int cols, float *d, size_t ldd) {
  for (int k = 0; k < cols; k += 16) winograd_dy16(g, k, lanes(cols - k), d, ldd);
}

/* One tile's D = A g A^T for K channels: d[xi * ldd + k] from the 2x2 rows g[r * 2 + q][k]. */
static void winograd_dy(const float *const *g, int cols, float *d, size_t ldd) {
  if (current_panel_width() == NR_MAX)
    winograd_dy512(g, cols, d, ldd);
  else
    winograd_dy256(g, cols, d, ldd);
}

/* Adds the block of tiles `block` into the 16 C x K sums `c` (with `first`, writes them). */
static void winograd_filter_block(const winograd_filter_job *job, int block, int thread, float *c, int first) {
  const conv_shape *s = job->s;
  const int C = s->in_c, K = s->out_c;
  const int t0 = block * WINOGRAD_FILTER_TILES;
  const int nt = job->tiles - t0 < WINOGRAD_FILTER_TILES ? job->tiles - t0 : WINOGRAD_FILTER_TILES;
  const size_t ldv = winograd_stride((size_t)WINOGRAD_FILTER_TILES * C), ldd = winograd_stride((size_t)WINOGRAD_FILTER_TILES * K);
  float *v = scratch_floats(thread, 0, 16 * ldv);
  float *d = scratch_floats(thread, 1, 16 * ldd);
  const float **xp = scratch_pointers(thread, WINOGRAD_FILTER_TILES * 21);
  if (!v || !d || !xp) return;
  const int per_image = job->tiles_h * job->tiles_w;
  /* each tile's 16 patch rows of x, then its 4 rows of dy (20 pointers a tile) */
  const float **patches = xp + WINOGRAD_FILTER_TILES;
  for (int i = 0; i < nt; i++) {
    int n, th, tw;
    winograd_tile(t0 + i, job->tiles_w, per_image, &n, &th, &tw);
    const float **p = patches + 20 * (size_t)i, **g = p + 16;
    winograd_patch(s, job->x, job->zeros, n, th, tw, p);
    for (int r = 0; r < 2; r++)
      for (int q = 0; q < 2; q++) {
        const int oh = 2 * th + r, ow = 2 * tw + q;
        g[r * 2 + q] = (oh < s->out_h && ow < s->out_w) ? job->dy + (((size_t)n * s->out_h + oh) * s->out_w + ow) * K
                                                        : job->zeros;
      }
  }
  for (int i = 0; i < nt; i++) {
    const float **p = patches + 20 * (size_t)i;
    if (i + WINOGRAD_PREFETCH < nt) {
      prefetch_rows(p + 20 * WINOGRAD_PREFETCH, 16, C);
      prefetch_rows(p + 20 * WINOGRAD_PREFETCH + 16, 4, K);
    }
    winograd_input(p, C, v + (size_t)i * C, ldv);
    winograd_dy(p + 16, K, d + (size_t)i * K, ldd);
  }
  for (int xi = 0; xi < 16; xi++) {
    for (int i = 0; i < nt; i++) xp[i] = v + xi * ldv + (size_t)i * C;
    filter_product(job->nr, nt, xp, C, d + xi * ldd, K, c + (size_t)xi * C * K, first);
  }
}

static void winograd_filter_chunk(const void *ctx, int chunk, int thread) {
  const winograd_filter_job *job = ctx;
  const int64_t from = chunk_start(job->blocks, job->chunks, chunk);
  const int64_t to = chunk_start(job->blocks, job->chunks, chunk + 1);
  for (int64_t b = from; b < to; b++) winograd_filter_block(job, (int)b, thread, job->partial[chunk], b == from);
}

static int conv_filter_grad_winograd(const conv_shape *s, const float *x, const float *dy, float *dw) {
  const int C = s->in_c, K = s->out_c;
  winograd_filter_job job;
  memset(&job, 0, sizeof job);
  job.s = s;
  job.x = x;
  job.dy = dy;
  job.nr = panel_width_for(K);
  job.tiles_h = (s->out_h + 1) / 2;
  job.tiles_w = (s->out_w + 1) / 2;
  job.tiles = s->batch * job.tiles_h * job.tiles_w;
  const size_t ck = (size_t)C * K, size = 16 * ck;
  float *zeros = calloc((size_t)(C > K ? C : K) + NR_MAX, sizeof(float));
  float *sums = call_floats(CALL_SUMS, size);
  if (!zeros || !sums) {
    free(zeros);
    return -1;
  }
  job.zeros = zeros;
  job.blocks = (job.tiles + WINOGRAD_FILTER_TILES - 1) / WINOGRAD_FILTER_TILES;
  job.chunks = sum_chunks(job.blocks, 2, size);
  const int status = ordered_sum(job.chunks, winograd_filter_chunk, &job, job.partial, sums, size, 0);
  if (status == 0) {
    /* dw[i][j][c][k] = sum_a,b G[a][i] W[a][b][c][k] G[b][j], G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] */
    for (size_t e = 0; e < ck; e++) {
      float w[4][4], t[3][4];
      for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) w[a][b] = sums[(size_t)(a * 4 + b) * ck + e];
      for (int b = 0; b < 4; b++) {
        t[0][b] = w[0][b] + 0.5f * (w[1][b] + w[2][b]);
        t[1][b] = 0.5f * (w[1][b] - w[2][b]);
        t[2][b] = w[3][b] + 0.5f * (w[1][b] + w[2][b]);
      }
      for (int i = 0; i < 3; i++) {
        dw[(size_t)(i * 3 + 0) * ck + e] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
        dw[(size_t)(i * 3 + 1) * ck + e] = 0.5f * (t[i][1] - t[i][2]);
        dw[(size_t)(i * 3 + 2) * ck + e] = t[i][3] + 0.5f * (t[i][1] + t[i][2]);
      }
    }
  }
  free(zeros);
  return status;
}

int conv_filter_grad(const conv_shape *s, const float *x, const float *dy, float *dw) {
  if (winograd_fits(s)) return conv_filter_grad_winograd(s, x, dy, dw);
  filter_job job;
  memset(&job, 0, sizeof job);
  job.s = s;
  job.x = x;
  job.dy = dy;
  job.pixels = s->batch * s->out_h * s->out_w;
  job.nr = panel_width_for(s->out_c);
  /* zeros for a padding pixel (in_c) or a stem's whole window row (filter_w * in_c) */
  float *zeros = calloc((size_t)s->in_c * s->filter_w + NR_MAX, sizeof(float));
  if (!zeros) return -1;
  job.zeros = zeros;
  const size_t size = (size_t)s->filter_h * s->filter_w * s->in_c * s->out_c;
  job.blocks = (job.pixels + PC - 1) / PC;
  /* at least 2 blocks a chunk: the chunks' sums cost less than 2% of the work */
  job.chunks = sum_chunks(job.blocks, 2, size);
  const int status = ordered_sum(job.chunks, filter_chunk, &job, job.partial, dw, size, 0);
  free(zeros);
  return status;
}
