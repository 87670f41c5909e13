/*
 * Node-API bindings of the native kernels. Every argument is checked here
 * (types, and each array's length against the shape), so that no call can
 * read or write outside the arrays it was given; the work is done elsewhere.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "napi-abi.h"
#include "runtime.h"

/* The interface version; the TypeScript side refuses an addon of another one. */
#define ADDON_VERSION 9 /* 4: every sum in a fixed order (deterministic); 5: AVX-512 tiles, vectorBits, relu, add; 6: tile, meanAdjacent; 7: Winograd 3x3, winograd; 8: reluBiasGrad, conv2d relu keeps NaN; 9: maxPool, avgPool */

static napi_value undefined_value(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype type;
  return v == NULL || (napi_typeof(env, v, &type) == napi_ok && (type == napi_null || type == napi_undefined));
}

static int fail(napi_env env, const char *fn, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", fn, what);
  napi_throw_error(env, NULL, message);
  return 0;
}

typedef struct {
  napi_env env;
  const char *fn;
  size_t argc;
  napi_value argv[8];
} call_args;

static int read_args(napi_env env, napi_callback_info info, const char *fn, size_t required, call_args *call) {
  call->env = env;
  call->fn = fn;
  call->argc = 8;
  if (napi_get_cb_info(env, info, &call->argc, call->argv, NULL, NULL) != napi_ok) return fail(env, fn, "bad call");
  for (size_t i = call->argc; i < 8; i++) call->argv[i] = NULL;
  if (call->argc < required) {
    char what[64];
    snprintf(what, sizeof what, "expected at least %zu arguments", required);
    return fail(env, fn, what);
  }
  return 1;
}

/* Argument `i` as a Float32Array of exactly `expected` values (or NULL when optional and null/undefined). */
static int floats(call_args *call, size_t i, const char *name, size_t expected, int optional, float **out) {
  *out = NULL;
  if (optional && is_nullish(call->env, call->argv[i])) return 1;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  char what[160];
  if (call->argv[i] == NULL ||
      napi_get_typedarray_info(call->env, call->argv[i], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float32_array) {
    snprintf(what, sizeof what, "%s must be a Float32Array", name);
    return fail(call->env, call->fn, what);
  }
  if (length != expected) {
    snprintf(what, sizeof what, "%s has %zu values, the shape needs %zu", name, length, expected);
    return fail(call->env, call->fn, what);
  }
  *out = data;
  return 1;
}

/* Argument `i` as a whole number from `min` to `max`. */
static int integer(call_args *call, size_t i, const char *name, double min, double max, int64_t *out) {
  double v = 0;
  char what[160];
  if (call->argv[i] == NULL || napi_get_value_double(call->env, call->argv[i], &v) != napi_ok || v != floor(v) ||
      v < min || v > max) {
    snprintf(what, sizeof what, "%s must be an integer from %.0f to %.0f", name, min, max);
    return fail(call->env, call->fn, what);
  }
  *out = (int64_t)v;
  return 1;
}

static int number(call_args *call, size_t i, const char *name, double *out) {
  char what[160];
  if (call->argv[i] == NULL || napi_get_value_double(call->env, call->argv[i], out) != napi_ok || !isfinite(*out)) {
    snprintf(what, sizeof what, "%s must be a finite number", name);
    return fail(call->env, call->fn, what);
  }
  return 1;
}

/* Argument `i` as the 15 numbers of a conv_shape; sizes, strides and dilations positive, pads from -1024. */
static int shape(call_args *call, size_t i, conv_shape *s) {
  napi_typedarray_type type;
  size_t n = 0;
  void *data = NULL;
  if (call->argv[i] == NULL ||
      napi_get_typedarray_info(call->env, call->argv[i], &type, &n, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || n != 15)
    return fail(call->env, call->fn, "shape must be an Int32Array of 15 values");
  const int32_t *v = data;
  for (int k = 0; k < 13; k++)
    if (v[k] < 1 || v[k] > (1 << 24)) return fail(call->env, call->fn, "shape: sizes, strides and dilations must be positive");
  if (v[13] < -1024 || v[14] < -1024 || v[13] > 1024 || v[14] > 1024)
    return fail(call->env, call->fn, "shape: padding out of range");
  conv_shape t = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  *s = t;
  return 1;
}

static size_t input_size(const conv_shape *s) { return (size_t)s->batch * s->in_h * s->in_w * s->in_c; }
static size_t output_size(const conv_shape *s) { return (size_t)s->batch * s->out_h * s->out_w * s->out_c; }
static size_t filter_size(const conv_shape *s) { return (size_t)s->filter_h * s->filter_w * s->in_c * s->out_c; }
static size_t depthwise_filter_size(const conv_shape *s) { return (size_t)s->filter_h * s->filter_w * s->out_c; }

static napi_value done(napi_env env, const char *fn, int status) {
  if (status != 0) fail(env, fn, "out of memory");
  return undefined_value(env);
}

#define RUN(call, expr)         \
  do {                          \
    addon_lock();               \
    int status_ = (expr);       \
    addon_unlock();             \
    return done(env, (call).fn, status_); \
  } while (0)

/* conv2d(x, filter, y, shape, bias?: Float32Array | null, activation?: 0-3, alpha?: number) */
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *x, *w, *y, *bias;
  int64_t activation = ACT_LINEAR;
  double alpha = 0.2;
  if (!read_args(env, info, "conv2d", 4, &c) || !shape(&c, 3, &s) || !floats(&c, 0, "x", input_size(&s), 0, &x) ||
      !floats(&c, 1, "filter", filter_size(&s), 0, &w) || !floats(&c, 2, "y", output_size(&s), 0, &y) ||
      !floats(&c, 4, "bias", (size_t)s.out_c, 1, &bias) ||
      (!is_nullish(env, c.argv[5]) && !integer(&c, 5, "activation", 0, 3, &activation)) ||
      (!is_nullish(env, c.argv[6]) && !number(&c, 6, "alpha", &alpha)))
    return undefined_value(env);
  RUN(c, conv_forward(&s, x, w, y, bias, (int)activation, (float)alpha));
}

/* conv2dBackpropInput(dy, filter, dx, shape) */
static napi_value js_conv2d_input_grad(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *dy, *w, *dx;
  if (!read_args(env, info, "conv2dBackpropInput", 4, &c) || !shape(&c, 3, &s) ||
      !floats(&c, 0, "dy", output_size(&s), 0, &dy) || !floats(&c, 1, "filter", filter_size(&s), 0, &w) ||
      !floats(&c, 2, "dx", input_size(&s), 0, &dx))
    return undefined_value(env);
  RUN(c, conv_input_grad(&s, dy, w, dx));
}

/* conv2dBackpropFilter(x, dy, dw, shape) */
static napi_value js_conv2d_filter_grad(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *x, *dy, *dw;
  if (!read_args(env, info, "conv2dBackpropFilter", 4, &c) || !shape(&c, 3, &s) ||
      !floats(&c, 0, "x", input_size(&s), 0, &x) || !floats(&c, 1, "dy", output_size(&s), 0, &dy) ||
      !floats(&c, 2, "dw", filter_size(&s), 0, &dw))
    return undefined_value(env);
  RUN(c, conv_filter_grad(&s, x, dy, dw));
}

static int depthwise_shape(call_args *c, conv_shape *s) {
  if (!shape(c, 3, s)) return 0;
  if (s->out_c % s->in_c != 0) return fail(c->env, c->fn, "shape: output channels must be a multiple of input channels");
  return 1;
}

/* depthwiseConv2d(x, filter, y, shape), shape's outChannels = inChannels * multiplier */
static napi_value js_depthwise(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *x, *w, *y;
  if (!read_args(env, info, "depthwiseConv2d", 4, &c) || !depthwise_shape(&c, &s) ||
      !floats(&c, 0, "x", input_size(&s), 0, &x) || !floats(&c, 1, "filter", depthwise_filter_size(&s), 0, &w) ||
      !floats(&c, 2, "y", output_size(&s), 0, &y))
    return undefined_value(env);
  RUN(c, depthwise_forward(&s, x, w, y));
}

/* depthwiseConv2dBackpropInput(dy, filter, dx, shape) */
static napi_value js_depthwise_input_grad(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *dy, *w, *dx;
  if (!read_args(env, info, "depthwiseConv2dBackpropInput", 4, &c) || !depthwise_shape(&c, &s) ||
      !floats(&c, 0, "dy", output_size(&s), 0, &dy) || !floats(&c, 1, "filter", depthwise_filter_size(&s), 0, &w) ||
      !floats(&c, 2, "dx", input_size(&s), 0, &dx))
    return undefined_value(env);
  RUN(c, depthwise_input_grad(&s, dy, w, dx));
}

/* depthwiseConv2dBackpropFilter(x, dy, dw, shape) */
static napi_value js_depthwise_filter_grad(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *x, *dy, *dw;
  if (!read_args(env, info, "depthwiseConv2dBackpropFilter", 4, &c) || !depthwise_shape(&c, &s) ||
      !floats(&c, 0, "x", input_size(&s), 0, &x) || !floats(&c, 1, "dy", output_size(&s), 0, &dy) ||
      !floats(&c, 2, "dw", depthwise_filter_size(&s), 0, &dw))
    return undefined_value(env);
  RUN(c, depthwise_filter_grad(&s, x, dy, dw));
}

static int pool_shape(call_args *c, size_t i, conv_shape *s) {
  if (!shape(c, i, s)) return 0;
  if (s->out_c != s->in_c) return fail(c->env, c->fn, "shape: pooling keeps the channel count");
  return 1;
}

/* maxPool(x, y, shape) and avgPool(x, y, shape) */
static napi_value pool_forward_call(napi_env env, napi_callback_info info, const char *fn,
                                    int (*pool)(const conv_shape *, const float *, float *)) {
  call_args c;
  conv_shape s;
  float *x, *y;
  if (!read_args(env, info, fn, 3, &c) || !pool_shape(&c, 2, &s) || !floats(&c, 0, "x", input_size(&s), 0, &x) ||
      !floats(&c, 1, "y", output_size(&s), 0, &y))
    return undefined_value(env);
  RUN(c, pool(&s, x, y));
}

static napi_value js_max_pool(napi_env env, napi_callback_info info) { return pool_forward_call(env, info, "maxPool", max_pool); }
static napi_value js_avg_pool(napi_env env, napi_callback_info info) { return pool_forward_call(env, info, "avgPool", avg_pool); }

/* maxPoolGrad(x, dy, dx, shape, y?: the forward output, or null) */
static napi_value js_max_pool_grad(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *x, *dy, *dx, *y;
  if (!read_args(env, info, "maxPoolGrad", 4, &c) || !pool_shape(&c, 3, &s) ||
      !floats(&c, 0, "x", input_size(&s), 0, &x) || !floats(&c, 1, "dy", output_size(&s), 0, &dy) ||
      !floats(&c, 2, "dx", input_size(&s), 0, &dx) || !floats(&c, 4, "y", output_size(&s), 1, &y))
    return undefined_value(env);
  RUN(c, max_pool_grad(&s, x, y, dy, dx));
}

/* avgPoolGrad(dy, dx, shape) */
static napi_value js_avg_pool_grad(napi_env env, napi_callback_info info) {
  call_args c;
  conv_shape s;
  float *dy, *dx;
  if (!read_args(env, info, "avgPoolGrad", 3, &c) || !pool_shape(&c, 2, &s) ||
      !floats(&c, 0, "dy", output_size(&s), 0, &dy) || !floats(&c, 1, "dx", input_size(&s), 0, &dx))
    return undefined_value(env);
  RUN(c, avg_pool_grad(&s, dy, dx));
}

#define MAX_SIZE 4294967296.0 /* 2^32 values */

/*
 * sumAdjacent(x, out, outer, reduced, inner): out[o][i] = sum_r x[o][r][i];
 * meanAdjacent(...): that sum divided by `reduced` (both summed in double).
 */
static napi_value reduce_adjacent_call(napi_env env, napi_callback_info info, const char *name, int mean) {
  call_args c;
  int64_t outer, reduced, inner;
  float *x, *out;
  if (!read_args(env, info, name, 5, &c) || !integer(&c, 2, "outer", 1, MAX_SIZE, &outer) ||
      !integer(&c, 3, "reduced", 1, MAX_SIZE, &reduced) || !integer(&c, 4, "inner", 1, MAX_SIZE, &inner))
    return undefined_value(env);
  if ((double)outer * (double)reduced * (double)inner > MAX_SIZE) {
    fail(env, c.fn, "too many values");
    return undefined_value(env);
  }
  if (!floats(&c, 0, "x", (size_t)(outer * reduced * inner), 0, &x) ||
      !floats(&c, 1, "out", (size_t)(outer * inner), 0, &out))
    return undefined_value(env);
  RUN(c, mean ? mean_adjacent(x, out, outer, reduced, inner) : sum_adjacent(x, out, outer, reduced, inner));
}

static napi_value js_sum_adjacent(napi_env env, napi_callback_info info) {
  return reduce_adjacent_call(env, info, "sumAdjacent", 0);
}

static napi_value js_mean_adjacent(napi_env env, napi_callback_info info) {
  return reduce_adjacent_call(env, info, "meanAdjacent", 1);
}

static int rows_and_channels(call_args *c, size_t first, size_t channels_at, int64_t *rows, int64_t *channels) {
  napi_typedarray_type type;
  size_t length = 0;
  if (!integer(c, channels_at, "channels", 1, 1 << 24, channels)) return 0;
  if (c->argv[first] == NULL ||
      napi_get_typedarray_info(c->env, c->argv[first], &type, &length, NULL, NULL, NULL) != napi_ok ||
      length == 0 || length % (size_t)*channels != 0)
    return fail(c->env, c->fn, "the first array must hold whole rows of `channels` values");
  *rows = (int64_t)(length / (size_t)*channels);
  return 1;
}

/* normalizeBatch(x, y, mean, variance, channels, epsilon) */
static napi_value js_normalize_batch(napi_env env, napi_callback_info info) {
  call_args c;
  int64_t rows, channels;
  double epsilon;
  float *x, *y, *mean, *variance;
  if (!read_args(env, info, "normalizeBatch", 6, &c) || !rows_and_channels(&c, 0, 4, &rows, &channels) ||
      !number(&c, 5, "epsilon", &epsilon) || !floats(&c, 0, "x", (size_t)(rows * channels), 0, &x) ||
      !floats(&c, 1, "y", (size_t)(rows * channels), 0, &y) || !floats(&c, 2, "mean", (size_t)channels, 0, &mean) ||
      !floats(&c, 3, "variance", (size_t)channels, 0, &variance))
    return undefined_value(env);
  RUN(c, normalize_batch(x, y, mean, variance, rows, (int)channels, (float)epsilon));
}

/* normalizeBatchGrad(dy, y, variance, dx, channels, epsilon) */
static napi_value js_normalize_batch_grad(napi_env env, napi_callback_info info) {
  call_args c;
  int64_t rows, channels;
  double epsilon;
  float *dy, *y, *variance, *dx;
  if (!read_args(env, info, "normalizeBatchGrad", 6, &c) || !rows_and_channels(&c, 0, 4, &rows, &channels) ||
      !number(&c, 5, "epsilon", &epsilon) || !floats(&c, 0, "dy", (size_t)(rows * channels), 0, &dy) ||
      !floats(&c, 1, "y", (size_t)(rows * channels), 0, &y) ||
      !floats(&c, 2, "variance", (size_t)channels, 0, &variance) ||
      !floats(&c, 3, "dx", (size_t)(rows * channels), 0, &dx))
    return undefined_value(env);
  RUN(c, normalize_batch_grad(dy, y, variance, dx, rows, (int)channels, (float)epsilon));
}

/* Argument `i` as a typed array of 4-byte values (Float32Array, Int32Array or Uint32Array). */
static int words(call_args *call, size_t i, const char *name, uint32_t **out, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  char what[160];
  if (call->argv[i] == NULL ||
      napi_get_typedarray_info(call->env, call->argv[i], &type, length, &data, NULL, NULL) != napi_ok ||
      (type != napi_float32_array && type != napi_int32_array && type != napi_uint32_array)) {
    snprintf(what, sizeof what, "%s must be a Float32Array, Int32Array or Uint32Array", name);
    return fail(call->env, call->fn, what);
  }
  *out = data;
  return 1;
}

/*
 * Reads src and dst (4-byte typed arrays) and the Int32Array `name` of `1 + per_axis * rank` values,
 * rank its first value (1 to MAX_BOX_RANK); fails with `layout` (what the array must hold) otherwise.
 */
static int words_and_layout(call_args *c, const char *name, int per_axis, const char *layout, uint32_t **src,
                            size_t *src_length, uint32_t **dst, size_t *dst_length, const int32_t **v, int *rank) {
  napi_typedarray_type type;
  size_t n = 0;
  void *data = NULL;
  if (!words(c, 0, "src", src, src_length) || !words(c, 1, "dst", dst, dst_length)) return 0;
  if (napi_get_typedarray_info(c->env, c->argv[2], &type, &n, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || n < 1) {
    char what[80];
    snprintf(what, sizeof what, "%s must be an Int32Array", name);
    return fail(c->env, c->fn, what);
  }
  *v = data;
  *rank = (*v)[0];
  if (*rank < 1 || *rank > MAX_BOX_RANK || n != (size_t)(1 + per_axis * *rank)) return fail(c->env, c->fn, layout);
  return 1;
}

/*
 * copyBox(src, dst, box: Int32Array) with box = [rank, srcShape..., dstShape..., srcBegin..., dstBegin..., size...]:
 * copies the box `size` at srcBegin of src to dstBegin of dst (4-byte values, row-major).
 */
static napi_value js_copy_box(napi_env env, napi_callback_info info) {
  call_args c;
  uint32_t *src, *dst;
  size_t src_length, dst_length;
  const int32_t *v;
  int rank;
  if (!read_args(env, info, "copyBox", 3, &c) ||
      !words_and_layout(&c, "box", 5, "box must hold [rank (1 to 8), srcShape, dstShape, srcBegin, dstBegin, size]", &src,
                        &src_length, &dst, &dst_length, &v, &rank))
    return undefined_value(env);
  int64_t src_shape[MAX_BOX_RANK], dst_shape[MAX_BOX_RANK], src_begin[MAX_BOX_RANK], dst_begin[MAX_BOX_RANK],
      size[MAX_BOX_RANK];
  double src_count = 1, dst_count = 1;
  for (int a = 0; a < rank; a++) {
    src_shape[a] = v[1 + a];
    dst_shape[a] = v[1 + rank + a];
    src_begin[a] = v[1 + 2 * rank + a];
    dst_begin[a] = v[1 + 3 * rank + a];
    size[a] = v[1 + 4 * rank + a];
    if (src_shape[a] < 0 || dst_shape[a] < 0 || src_begin[a] < 0 || dst_begin[a] < 0 || size[a] < 0 ||
        src_begin[a] + size[a] > src_shape[a] || dst_begin[a] + size[a] > dst_shape[a]) {
      fail(env, c.fn, "the box does not fit inside both tensors");
      return undefined_value(env);
    }
    src_count *= (double)src_shape[a];
    dst_count *= (double)dst_shape[a];
  }
  if (src_count != (double)src_length || dst_count != (double)dst_length) {
    fail(env, c.fn, "array lengths do not match the shapes");
    return undefined_value(env);
  }
  RUN(c, copy_box(src, dst, rank, src_shape, dst_shape, src_begin, dst_begin, size));
}

/* fill(dst, value): every value of a Float32Array (or the bits of an Int32Array) set to `value`. */
static napi_value js_fill(napi_env env, napi_callback_info info) {
  call_args c;
  uint32_t *dst;
  size_t length;
  double value;
  napi_typedarray_type type;
  if (!read_args(env, info, "fill", 2, &c) || !words(&c, 0, "dst", &dst, &length) || !number(&c, 1, "value", &value))
    return undefined_value(env);
  napi_get_typedarray_info(env, c.argv[0], &type, NULL, NULL, NULL, NULL);
  uint32_t bits;
  if (type == napi_float32_array) {
    const float f = (float)value;
    memcpy(&bits, &f, sizeof bits);
  } else {
    bits = (uint32_t)(int64_t)value;
  }
  RUN(c, fill_values(dst, (int64_t)length, bits));
}

/*
 * tile(src, dst, shape: Int32Array) with shape = [rank, srcShape..., reps...]: dst (of shape srcShape * reps)
 * holds src repeated reps[a] times along each axis a (4-byte values, row-major).
 */
static napi_value js_tile(napi_env env, napi_callback_info info) {
  call_args c;
  uint32_t *src, *dst;
  size_t src_length, dst_length;
  const int32_t *v;
  int rank;
  if (!read_args(env, info, "tile", 3, &c) ||
      !words_and_layout(&c, "shape", 2, "shape must hold [rank (1 to 8), srcShape, reps]", &src, &src_length, &dst,
                        &dst_length, &v, &rank))
    return undefined_value(env);
  int64_t src_shape[MAX_BOX_RANK], reps[MAX_BOX_RANK];
  double src_count = 1, dst_count = 1;
  for (int a = 0; a < rank; a++) {
    src_shape[a] = v[1 + a];
    reps[a] = v[1 + rank + a];
    if (src_shape[a] < 0 || reps[a] < 0) {
      fail(env, c.fn, "shape and reps must not be negative");
      return undefined_value(env);
    }
    src_count *= (double)src_shape[a];
    dst_count *= (double)src_shape[a] * (double)reps[a];
  }
  if (src_count != (double)src_length || dst_count != (double)dst_length) {
    char what[160];
    snprintf(what, sizeof what, "array lengths do not match the shape and reps: src has %zu values, the shape needs %.0f; dst has %zu, needs %.0f",
             src_length, src_count, dst_length, dst_count);
    fail(env, c.fn, what);
    return undefined_value(env);
  }
  RUN(c, tile_values(src, dst, rank, src_shape, reps));
}

/* reluGrad(dy, x, dx): dx = dy * step(x). */
static napi_value js_relu_grad(napi_env env, napi_callback_info info) {
  call_args c;
  float *dy, *x, *dx;
  napi_typedarray_type type;
  size_t n = 0;
  if (!read_args(env, info, "reluGrad", 3, &c)) return undefined_value(env);
  if (napi_get_typedarray_info(env, c.argv[0], &type, &n, NULL, NULL, NULL) != napi_ok) n = 0;
  if (!floats(&c, 0, "dy", n, 0, &dy) || !floats(&c, 1, "x", n, 0, &x) || !floats(&c, 2, "dx", n, 0, &dx))
    return undefined_value(env);
  RUN(c, relu_grad(dy, x, dx, (int64_t)n));
}

/*
 * reluBiasGrad(dy, y, dx, dbias): dx = dy * step(y) and dbias[c] = the sum of
 * dx over its rows (dy, y and dx of equal length, whole rows of dbias.length
 * channels): the bits of reluGrad then sumAdjacent(dx, dbias, 1, rows, channels).
 */
static napi_value js_relu_bias_grad(napi_env env, napi_callback_info info) {
  call_args c;
  float *dy, *y, *dx, *dbias;
  napi_typedarray_type type;
  size_t n = 0, channels = 0;
  if (!read_args(env, info, "reluBiasGrad", 4, &c)) return undefined_value(env);
  if (napi_get_typedarray_info(env, c.argv[0], &type, &n, NULL, NULL, NULL) != napi_ok) n = 0;
  if (napi_get_typedarray_info(env, c.argv[3], &type, &channels, NULL, NULL, NULL) != napi_ok) channels = 0;
  if (n == 0 || channels == 0 || n % channels != 0 || (double)n > MAX_SIZE) {
    char what[160];
    snprintf(what, sizeof what, "dy must hold whole rows of dbias's length; got %zu and %zu values", n, channels);
    fail(env, "reluBiasGrad", what);
    return undefined_value(env);
  }
  if (!floats(&c, 0, "dy", n, 0, &dy) || !floats(&c, 1, "y", n, 0, &y) || !floats(&c, 2, "dx", n, 0, &dx) ||
      !floats(&c, 3, "dbias", channels, 0, &dbias))
    return undefined_value(env);
  RUN(c, relu_bias_grad(dy, y, dx, dbias, (int64_t)(n / channels), (int64_t)channels));
}

/* relu(x, y): y = max(x, 0), NaN kept, -0 to +0 (the wasm backend's Relu). */
static napi_value js_relu(napi_env env, napi_callback_info info) {
  call_args c;
  float *x, *y;
  napi_typedarray_type type;
  size_t n = 0;
  if (!read_args(env, info, "relu", 2, &c)) return undefined_value(env);
  if (napi_get_typedarray_info(env, c.argv[0], &type, &n, NULL, NULL, NULL) != napi_ok) n = 0;
  if (!floats(&c, 0, "x", n, 0, &x) || !floats(&c, 1, "y", n, 0, &y)) return undefined_value(env);
  RUN(c, relu_forward(x, y, (int64_t)n));
}

/* add(a, b, out): out = a + b, b of a's length or repeated along a (a divisor of its length). */
static napi_value js_add(napi_env env, napi_callback_info info) {
  call_args c;
  float *a, *b, *out;
  napi_typedarray_type type;
  size_t n = 0, period = 0;
  if (!read_args(env, info, "add", 3, &c)) return undefined_value(env);
  if (napi_get_typedarray_info(env, c.argv[0], &type, &n, NULL, NULL, NULL) != napi_ok) n = 0;
  if (napi_get_typedarray_info(env, c.argv[1], &type, &period, NULL, NULL, NULL) != napi_ok) period = 0;
  if (period == 0 || n % period != 0) {
    char what[160];
    snprintf(what, sizeof what, "b must have a's length (%zu) or a divisor of it, at least 1; got %zu values", n, period);
    fail(env, "add", what);
    return undefined_value(env);
  }
  if (!floats(&c, 0, "a", n, 0, &a) || !floats(&c, 1, "b", period, 0, &b) || !floats(&c, 2, "out", n, 0, &out))
    return undefined_value(env);
  RUN(c, add_values(a, b, out, (int64_t)n, (int64_t)period));
}

/* setThreads(n): the number of threads (the caller included), 1 to 16; returns the number running. */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  call_args c;
  int64_t n;
  if (!read_args(env, info, "setThreads", 1, &c) || !integer(&c, 0, "threads", 1, MAX_THREADS, &n))
    return undefined_value(env);
  addon_lock();
  int running = pool_set_threads((int)n);
  addon_unlock();
  napi_value result;
  napi_create_int32(env, running, &result);
  return result;
}

static napi_value js_get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, pool_threads(), &result);
  return result;
}

/*
 * vectorBits([bits]): the vector width of the convolution kernels, 512
 * (AVX-512F) or 256 (AVX2); with an argument, first sets it: 256 forces AVX2,
 * 0 or 512 the widest the CPU has. The results are the same bits.
 */
static napi_value js_vector_bits(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_value result;
  addon_lock();
  int bits;
  if (argc >= 1) {
    int32_t requested = 0;
    napi_valuetype type;
    napi_typeof(env, argv[0], &type);
    if (type != napi_number || napi_get_value_int32(env, argv[0], &requested) != napi_ok ||
        (requested != 0 && requested != 256 && requested != 512)) {
      addon_unlock();
      napi_throw_error(env, NULL, "vectorBits: expected 0, 256 or 512");
      return NULL;
    }
    bits = conv_set_vector_bits(requested);
  } else {
    bits = conv_vector_bits();
  }
  addon_unlock();
  napi_create_int32(env, bits, &result);
  return result;
}

/* winograd(on?): sets (true/false) or reads whether 3x3 stride-1 convolutions run by Winograd F(2x2, 3x3). */
static napi_value js_winograd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int requested = -1;
  if (argc >= 1) {
    bool on = false;
    if (napi_get_value_bool(env, argv[0], &on) != napi_ok) {
      napi_throw_error(env, NULL, "winograd: expected true or false");
      return NULL;
    }
    requested = on ? 1 : 0;
  }
  addon_lock();
  const int setting = conv_set_winograd(requested);
  addon_unlock();
  napi_value result;
  napi_get_boolean(env, setting != 0, &result);
  return result;
}

/* supported(): whether this CPU has the instructions the kernels use. */
static napi_value js_supported(napi_env env, napi_callback_info info) {
  (void)info;
  __builtin_cpu_init();
  napi_value result;
  napi_get_boolean(env, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), &result);
  return result;
}

static void export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, strlen(name), cb, NULL, &fn) == napi_ok)
    napi_set_named_property(env, exports, name, fn);
}

ASNG_NAPI_EXTERN napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  export_function(env, exports, "conv2d", js_conv2d);
  export_function(env, exports, "conv2dBackpropInput", js_conv2d_input_grad);
  export_function(env, exports, "conv2dBackpropFilter", js_conv2d_filter_grad);
  export_function(env, exports, "depthwiseConv2d", js_depthwise);
  export_function(env, exports, "depthwiseConv2dBackpropInput", js_depthwise_input_grad);
  export_function(env, exports, "depthwiseConv2dBackpropFilter", js_depthwise_filter_grad);
  export_function(env, exports, "maxPool", js_max_pool);
  export_function(env, exports, "avgPool", js_avg_pool);
  export_function(env, exports, "maxPoolGrad", js_max_pool_grad);
  export_function(env, exports, "avgPoolGrad", js_avg_pool_grad);
  export_function(env, exports, "sumAdjacent", js_sum_adjacent);
  export_function(env, exports, "meanAdjacent", js_mean_adjacent);
  export_function(env, exports, "normalizeBatch", js_normalize_batch);
  export_function(env, exports, "normalizeBatchGrad", js_normalize_batch_grad);
  export_function(env, exports, "copyBox", js_copy_box);
  export_function(env, exports, "fill", js_fill);
  export_function(env, exports, "tile", js_tile);
  export_function(env, exports, "reluGrad", js_relu_grad);
  export_function(env, exports, "reluBiasGrad", js_relu_bias_grad);
  export_function(env, exports, "relu", js_relu);
  export_function(env, exports, "add", js_add);
  export_function(env, exports, "setThreads", js_set_threads);
  export_function(env, exports, "getThreads", js_get_threads);
  export_function(env, exports, "supported", js_supported);
  export_function(env, exports, "vectorBits", js_vector_bits);
  export_function(env, exports, "winograd", js_winograd);
  napi_value version;
  napi_create_int32(env, ADDON_VERSION, &version);
  napi_set_named_property(env, exports, "version", version);
  return exports;
}
