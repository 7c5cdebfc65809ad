/*
 * fuzz_edata.c - libFuzzer target: NTSTATUS from KRB-ERROR e-data
 * (lib/krb_edata.c), which parses bytes straight from the network.
 */
#include "setup.h"

#include "krb_edata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t st;

    if (krb_edata_ntstatus(data, size, &st))
        (void)krb_ntstatus_name(st);
    return 0;
}
