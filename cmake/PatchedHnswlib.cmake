# hnswlib 0.6.2 as Debian ships it (libhnswlib-dev), with our fixes applied to a
# copy in the build tree. storage/hnsw_graph.cc, the one file that includes
# hnswlib, compiles against the copy; the system headers are left untouched.
#
# Each fix names the exact text it replaces and stops the configure step when
# that text is not there exactly once (another hnswlib version): a fix is
# never silently skipped.
#
# Sets STRATA_HNSWLIB_INCLUDE_DIR (the directory holding hnswlib/).

find_path(STRATA_SYSTEM_HNSWLIB_DIR hnswlib/hnswalg.h REQUIRED)
set(STRATA_HNSWLIB_INCLUDE_DIR ${CMAKE_BINARY_DIR}/patched-hnswlib)
set(_hnsw_out ${STRATA_HNSWLIB_INCLUDE_DIR}/hnswlib)

file(GLOB _hnsw_headers ${STRATA_SYSTEM_HNSWLIB_DIR}/hnswlib/*.h)
file(COPY ${_hnsw_headers} DESTINATION ${_hnsw_out})
# Re-run this step when a header of the system copy changes (a Debian update).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_hnsw_headers})

function(strata_hnswlib_fix file why old new)
  file(READ ${_hnsw_out}/${file} text)
  string(FIND "${text}" "${old}" first)
  string(FIND "${text}" "${old}" last REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR "hnswlib fix \"${why}\" does not apply to ${STRATA_SYSTEM_HNSWLIB_DIR}/hnswlib/${file}: "
                        "its text is not there exactly once (cmake/PatchedHnswlib.cmake expects hnswlib 0.6.2)")
  endif()
  string(REPLACE "${old}" "${new}" text "${text}")
  file(WRITE ${_hnsw_out}/${file} "${text}")
endfunction()

# 1. addPoint draws every new element's level from one std::default_random_engine
#    with no lock, so concurrent inserts (VectorIndex::AddAll runs them on every
#    core) race on the engine's state: undefined behaviour, reported by TSan.
#    The draw now holds a mutex of its own; the rest of the insert is unchanged.
strata_hnswlib_fix(hnswalg.h "lock the level generator"
"        int getRandomLevel(double reverse_size) {
            std::uniform_real_distribution<double> distribution(0.0, 1.0);
            double r = -log(distribution(level_generator_)) * reverse_size;"
"        std::mutex level_generator_lock_;  // stratadb: concurrent addPoint calls draw levels

        int getRandomLevel(double reverse_size) {
            std::uniform_real_distribution<double> distribution(0.0, 1.0);
            double draw;
            {
                std::lock_guard<std::mutex> lock(level_generator_lock_);
                draw = distribution(level_generator_);
            }
            double r = -log(draw) * reverse_size;")

# 2. The base layer (every element's level-0 links, vector and label: 65 MB
#    for 100k x 128) is one block that a search reads at random, a few
#    hundred bytes per node, so on 4 KiB pages nearly every node visited is
#    also a TLB miss (docs/guarantees.md "Vectors"). The block is now advised onto
#    transparent huge pages right after it is allocated, grown or loaded, and
#    before its pages are first touched (storage/huge_pages.h), so the kernel
#    backs it with 2 MiB pages where THP is "always" or "madvise". The advice
#    only asks: where THP is off, or madvise fails, nothing else changes.
strata_hnswlib_fix(hnswalg.h "huge pages: the helper"
"#include <list>

namespace hnswlib {"
"#include <list>

namespace strata::storage {
    void AdviseHugePages(void *block, size_t bytes);  // stratadb: storage/huge_pages.h
}

namespace hnswlib {
    using strata::storage::AdviseHugePages;
")
strata_hnswlib_fix(hnswalg.h "huge pages: a new index"
"            data_level0_memory_ = (char *) malloc(max_elements_ * size_data_per_element_);
            if (data_level0_memory_ == nullptr)
                throw std::runtime_error(\"Not enough memory\");"
"            data_level0_memory_ = (char *) malloc(max_elements_ * size_data_per_element_);
            if (data_level0_memory_ == nullptr)
                throw std::runtime_error(\"Not enough memory\");
            AdviseHugePages(data_level0_memory_, max_elements_ * size_data_per_element_);")
strata_hnswlib_fix(hnswalg.h "huge pages: a grown index"
"            data_level0_memory_ = data_level0_memory_new;"
"            data_level0_memory_ = data_level0_memory_new;
            AdviseHugePages(data_level0_memory_, new_max_elements * size_data_per_element_);")
strata_hnswlib_fix(hnswalg.h "huge pages: a loaded index"
"                throw std::runtime_error(\"Not enough memory: loadIndex failed to allocate level0\");
            input.read(data_level0_memory_, cur_element_count * size_data_per_element_);"
"                throw std::runtime_error(\"Not enough memory: loadIndex failed to allocate level0\");
            AdviseHugePages(data_level0_memory_, max_elements * size_data_per_element_);
            input.read(data_level0_memory_, cur_element_count * size_data_per_element_);")

# 3. hnswlib's walks prefetch the next neighbour while looking at the current
#    one, and read its id one past the end of the link list (and the first id
#    of an empty list): a read past the list, and, from the garbage id, a
#    pointer far outside the block. Only prefetch hints, so results never
#    changed; but the read can leave the allocation of an upper-level list,
#    which is undefined behaviour and stopped every ASan/UBSan run at its first
#    insert (storage/hnsw_graph.cc used to be built without them for it). Each
#    prefetch now reads an id only when the list has one there; stratad's own
#    search walk (hnsw_graph.cc) never had the over-read.
strata_hnswlib_fix(hnswalg.h "no read past a link list: searchBaseLayer, first ids"
"                _mm_prefetch((char *) (visited_array + *(data + 1)), _MM_HINT_T0);
                _mm_prefetch((char *) (visited_array + *(data + 1) + 64), _MM_HINT_T0);
                _mm_prefetch(getDataByInternalId(*datal), _MM_HINT_T0);
                _mm_prefetch(getDataByInternalId(*(datal + 1)), _MM_HINT_T0);"
"                if (size > 0) {  // stratadb: no id read past the list
                    _mm_prefetch((char *) (visited_array + *(data + 1)), _MM_HINT_T0);
                    _mm_prefetch((char *) (visited_array + *(data + 1) + 64), _MM_HINT_T0);
                    _mm_prefetch(getDataByInternalId(*datal), _MM_HINT_T0);
                }
                if (size > 1) _mm_prefetch(getDataByInternalId(*(datal + 1)), _MM_HINT_T0);")
strata_hnswlib_fix(hnswalg.h "no read past a link list: searchBaseLayer, next id"
"                    _mm_prefetch((char *) (visited_array + *(datal + j + 1)), _MM_HINT_T0);
                    _mm_prefetch(getDataByInternalId(*(datal + j + 1)), _MM_HINT_T0);"
"                    if (j + 1 < size) {  // stratadb: no id read past the list
                        _mm_prefetch((char *) (visited_array + *(datal + j + 1)), _MM_HINT_T0);
                        _mm_prefetch(getDataByInternalId(*(datal + j + 1)), _MM_HINT_T0);
                    }")
strata_hnswlib_fix(hnswalg.h "no read past a link list: searchBaseLayerST, first id"
"                _mm_prefetch((char *) (visited_array + *(data + 1)), _MM_HINT_T0);
                _mm_prefetch((char *) (visited_array + *(data + 1) + 64), _MM_HINT_T0);
                _mm_prefetch(data_level0_memory_ + (*(data + 1)) * size_data_per_element_ + offsetData_, _MM_HINT_T0);"
"                if (size > 0) {  // stratadb: no id read past the list
                    _mm_prefetch((char *) (visited_array + *(data + 1)), _MM_HINT_T0);
                    _mm_prefetch((char *) (visited_array + *(data + 1) + 64), _MM_HINT_T0);
                    _mm_prefetch(data_level0_memory_ + (*(data + 1)) * size_data_per_element_ + offsetData_, _MM_HINT_T0);
                }")
strata_hnswlib_fix(hnswalg.h "no read past a link list: searchBaseLayerST, next id"
"                    _mm_prefetch((char *) (visited_array + *(data + j + 1)), _MM_HINT_T0);
                    _mm_prefetch(data_level0_memory_ + (*(data + j + 1)) * size_data_per_element_ + offsetData_,
                                 _MM_HINT_T0);////////////"
"                    if (j < size) {  // stratadb: no id read past the list
                        _mm_prefetch((char *) (visited_array + *(data + j + 1)), _MM_HINT_T0);
                        _mm_prefetch(data_level0_memory_ + (*(data + j + 1)) * size_data_per_element_ + offsetData_,
                                     _MM_HINT_T0);
                    }")
strata_hnswlib_fix(hnswalg.h "no read past a link list: addPoint's descent"
"                        _mm_prefetch(getDataByInternalId(*datal), _MM_HINT_T0);
#endif
                        for (int i = 0; i < size; i++) {
#ifdef USE_SSE
                            _mm_prefetch(getDataByInternalId(*(datal + i + 1)), _MM_HINT_T0);"
"                        if (size > 0) _mm_prefetch(getDataByInternalId(*datal), _MM_HINT_T0);  // stratadb
#endif
                        for (int i = 0; i < size; i++) {
#ifdef USE_SSE
                            if (i + 1 < size) _mm_prefetch(getDataByInternalId(*(datal + i + 1)), _MM_HINT_T0);  // stratadb")

# 4. Every index held 65536 mutexes (2.6 MB) for updatePoint, the re-insert of a
#    label already in the graph, even an empty index: 1,000 collections took
#    2.6 GB. stratad never re-inserts a label (an upsert of an existing key
#    takes a fresh label and retires the old one, storage/vector_index.cc), so
#    the locks are never taken; 64 keep updatePoint correct (the count is a
#    mask over internal ids, so it stays a power of two) in 2.5 KB.
strata_hnswlib_fix(hnswalg.h "a small pool of update locks"
"        static const tableint max_update_element_locks = 65536;"
"        static const tableint max_update_element_locks = 64;  // stratadb: see cmake/PatchedHnswlib.cmake")
