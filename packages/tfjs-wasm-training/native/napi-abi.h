/*
 * The few Node-API functions this addon calls, declared from the stable
 * Node-API C ABI (version 1 and later), so that building needs only a C
 * compiler: no Node.js headers, no node-gyp. The symbols are resolved against
 * the running `node` executable when the addon is loaded.
 */
#ifndef ASNG_NAPI_ABI_H
#define ASNG_NAPI_ABI_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);

typedef enum { napi_ok = 0 } napi_status_ok_only;
typedef int napi_status;

typedef enum {
  napi_int8_array,
  napi_uint8_array,
  napi_uint8_clamped_array,
  napi_int16_array,
  napi_uint16_array,
  napi_int32_array,
  napi_uint32_array,
  napi_float32_array,
  napi_float64_array,
  napi_bigint64_array,
  napi_biguint64_array
} napi_typedarray_type;

typedef enum {
  napi_undefined,
  napi_null,
  napi_boolean,
  napi_number,
  napi_string,
  napi_symbol,
  napi_object,
  napi_function,
  napi_external,
  napi_bigint
} napi_valuetype;

#define ASNG_NAPI_EXTERN __attribute__((visibility("default")))

extern napi_status napi_get_undefined(napi_env env, napi_value *result);
extern napi_status napi_get_boolean(napi_env env, bool value, napi_value *result);
extern napi_status napi_create_int32(napi_env env, int32_t value, napi_value *result);
extern napi_status napi_create_function(napi_env env, const char *utf8name, size_t length, napi_callback cb,
                                        void *data, napi_value *result);
extern napi_status napi_get_value_int32(napi_env env, napi_value value, int32_t *result);
extern napi_status napi_get_value_bool(napi_env env, napi_value value, bool *result);
extern napi_status napi_get_value_double(napi_env env, napi_value value, double *result);
extern napi_status napi_typeof(napi_env env, napi_value value, napi_valuetype *result);
extern napi_status napi_set_named_property(napi_env env, napi_value object, const char *utf8name,
                                           napi_value value);
extern napi_status napi_get_cb_info(napi_env env, napi_callback_info cbinfo, size_t *argc, napi_value *argv,
                                    napi_value *this_arg, void **data);
extern napi_status napi_throw_error(napi_env env, const char *code, const char *msg);
extern napi_status napi_get_typedarray_info(napi_env env, napi_value typedarray, napi_typedarray_type *type,
                                            size_t *length, void **data, napi_value *arraybuffer,
                                            size_t *byte_offset);

#endif
