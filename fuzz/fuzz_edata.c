/*
 * fuzz_edata.c - libFuzzer target: NTSTATUS and METHOD-DATA's PA-DATA
 * types from KRB-ERROR e-data (lib/krb_edata.c), which parses bytes
 * straight from the network.
 */
#include "setup.h"

#include "krb_edata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t st;
    int32_t types[4];
    size_t n;

    if (krb_edata_ntstatus(data, size, &st))
        (void)krb_ntstatus_name(st);
    (void)krb_edata_padata_types(data, size, types, 4, &n);
    return 0;
}
