/*
 * secbuf.c - SecBufferDesc validation and lookup.
 *
 * SSPI finds buffers by type, never by position (a caller may put the
 * TOKEN buffer anywhere), and the high bits of BufferType carry attributes
 * such as SECBUFFER_READONLY that do not change the type.
 */
#include "setup.h"

#include "internal.h"

SECURITY_STATUS
secbuf_check_desc(const SecBufferDesc *desc)
{
    ULONG i;

    if (desc == NULL)
        return SEC_E_INVALID_TOKEN;
    if (desc->ulVersion != SECBUFFER_VERSION)
        return SEC_E_INVALID_TOKEN;
    if (desc->cBuffers != 0 && desc->pBuffers == NULL)
        return SEC_E_INVALID_TOKEN;
    for (i = 0; i < desc->cBuffers; i++) {
        const SecBuffer *b = &desc->pBuffers[i];

        if (b->cbBuffer != 0 && b->pvBuffer == NULL
            && SECBUF_TYPE(b) != SECBUFFER_EMPTY)
            return SEC_E_INVALID_TOKEN;
    }
    return SEC_E_OK;
}

SecBuffer *
secbuf_find(const SecBufferDesc *desc, ULONG type, unsigned n)
{
    ULONG i;

    if (desc == NULL || desc->pBuffers == NULL)
        return NULL;
    for (i = 0; i < desc->cBuffers; i++) {
        SecBuffer *b = &desc->pBuffers[i];

        if (SECBUF_TYPE(b) == type && n-- == 0)
            return b;
    }
    return NULL;
}

unsigned
secbuf_count(const SecBufferDesc *desc, ULONG type)
{
    unsigned count = 0;
    ULONG i;

    if (desc == NULL || desc->pBuffers == NULL)
        return 0;
    for (i = 0; i < desc->cBuffers; i++)
        if (SECBUF_TYPE(&desc->pBuffers[i]) == type)
            count++;
    return count;
}
