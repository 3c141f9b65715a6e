/* libhdf5 (1.10 or later) from Debian's libhdf5-dev, for the command-line tool only.
 *
 * HDF5 names its native types, property-list defaults and open flags by macros that Swift cannot
 * import, and renames several functions by API version (H5Lvisit, H5L_info_t): the small inline
 * functions below give them to Swift under fixed names. */
#ifndef SPARSEVAR_CHDF5_SHIM_H
#define SPARSEVAR_CHDF5_SHIM_H

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static inline hid_t sparsevar_h5_native_ushort(void) { return H5T_NATIVE_USHORT; }
static inline hid_t sparsevar_h5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t sparsevar_h5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t sparsevar_h5_default(void) { return H5P_DEFAULT; }

/* Turns off HDF5's printing of error stacks to stderr: the tool reports errors itself. */
static inline void sparsevar_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* Opens `path` read-only; a negative id on failure. */
static inline hid_t sparsevar_h5_open_readonly(const char *path) {
  return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
}

typedef struct {
  const char *outermost;
  const char *innermost;
} sparsevar_h5_error_text;

static herr_t sparsevar_h5_error_entry(unsigned n, const H5E_error2_t *entry, void *data) {
  sparsevar_h5_error_text *text = (sparsevar_h5_error_text *)data;
  (void)n;
  if (entry->desc == NULL || entry->desc[0] == '\0') return 0;
  if (text->outermost == NULL) text->outermost = entry->desc;
  text->innermost = entry->desc;
  return 0;
}

/* Writes the outermost and innermost descriptions of the current error stack ("unable to open
 * file: truncated file: eof = ...") into `buffer` (NUL-terminated, at most `capacity` bytes with
 * the NUL, capacity >= 1) and clears the stack. */
static inline void sparsevar_h5_error_message(char *buffer, size_t capacity) {
  sparsevar_h5_error_text text = {NULL, NULL};
  buffer[0] = '\0';
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, sparsevar_h5_error_entry, &text);
  if (text.outermost != NULL && text.innermost != text.outermost) {
    snprintf(buffer, capacity, "%s: %s", text.outermost, text.innermost);
  } else if (text.outermost != NULL) {
    snprintf(buffer, capacity, "%s", text.outermost);
  }
  H5Eclear2(H5E_DEFAULT);
}

/* The rank of the dataset at `path` of `file`, or -1 when it is not a dataset. */
static inline int sparsevar_h5_dataset_rank(hid_t file, const char *path) {
  int rank = -1;
  hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
  if (dataset < 0) return -1;
  hid_t space = H5Dget_space(dataset);
  if (space >= 0) {
    rank = H5Sget_simple_extent_ndims(space);
    H5Sclose(space);
  }
  H5Dclose(dataset);
  return rank;
}

typedef void (*sparsevar_h5_found)(const char *path, void *context);

typedef struct {
  sparsevar_h5_found found;
  void *context;
  unsigned long visited;
} sparsevar_h5_visit_state;

static herr_t sparsevar_h5_visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
  sparsevar_h5_visit_state *state = (sparsevar_h5_visit_state *)data;
  /* Hard links only: a soft or external link may point anywhere, even into another file. */
  if (info->type != H5L_TYPE_HARD) return 0;
  /* A bounded walk: a file of a million objects is not listed whole. */
  if (++state->visited > 100000) return 1;
  H5I_type_t kind = H5I_BADID;
  hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) return 0;
  kind = H5Iget_type(object);
  H5Oclose(object);
  if (kind == H5I_DATASET && sparsevar_h5_dataset_rank(group, name) == 3) {
    state->found(name, state->context);
  }
  return 0;
}

/* Calls `found` with the path (relative to the root, no leading slash) of every 3-D dataset of
 * `file` reached through hard links, in name order, visiting at most 100000 links. */
static inline void sparsevar_h5_visit_3d_datasets(hid_t file, sparsevar_h5_found found, void *context) {
  sparsevar_h5_visit_state state = {found, context, 0};
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, sparsevar_h5_visit_link, &state);
  H5Eclear2(H5E_DEFAULT);
}

/* Copies the string attribute `name` of the object at `path` into `buffer` (NUL-terminated,
 * truncated to capacity - 1 bytes, capacity >= 1); returns 0, or -1 when there is no such string
 * attribute. Fixed-length and variable-length strings are both read. */
static inline int sparsevar_h5_string_attribute(hid_t file, const char *path, const char *name,
                                                char *buffer, size_t capacity) {
  int status = -1;
  buffer[0] = '\0';
  if (H5Aexists_by_name(file, path, name, H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return -1;
  }
  hid_t attribute = H5Aopen_by_name(file, path, name, H5P_DEFAULT, H5P_DEFAULT);
  if (attribute < 0) return -1;
  hid_t type = H5Aget_type(attribute);
  hid_t space = H5Aget_space(attribute);
  if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_STRING
      && H5Sget_simple_extent_npoints(space) == 1) {
    hid_t memory = H5Tcopy(H5T_C_S1);
    /* HDF5 does not convert between character sets: read in the attribute's (ASCII or UTF-8). */
    if (memory >= 0 && H5Tset_cset(memory, H5Tget_cset(type)) < 0) {
      H5Tclose(memory);
      memory = -1;
    }
    if (H5Tis_variable_str(type) > 0) {
      char *value = NULL;
      if (memory >= 0 && H5Tset_size(memory, H5T_VARIABLE) >= 0 && H5Aread(attribute, memory, &value) >= 0
          && value != NULL) {
        snprintf(buffer, capacity, "%s", value);
        H5free_memory(value);
        status = 0;
      }
    } else {
      size_t size = H5Tget_size(type);
      if (memory >= 0 && size > 0 && size < capacity && H5Tset_size(memory, size + 1) >= 0
          && H5Aread(attribute, memory, buffer) >= 0) {
        buffer[size] = '\0';
        status = 0;
      }
    }
    if (memory >= 0) H5Tclose(memory);
  }
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  H5Aclose(attribute);
  H5Eclear2(H5E_DEFAULT);
  return status;
}

#endif
