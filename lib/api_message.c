/*
 * api_message.c - per-message entry points: MakeSignature,
 * VerifySignature, EncryptMessage, DecryptMessage.
 *
 * These run once per message, so they stay thin: one handle lookup, one
 * descriptor check, one package call, no allocation.
 */
#include "setup.h"

#include "internal.h"
#include "package.h"

enum msg_op {
    MSG_SIGN,
    MSG_VERIFY,
    MSG_ENCRYPT,
    MSG_DECRYPT
};

static SECURITY_STATUS
message(PCtxtHandle h, enum msg_op op, ULONG qop, PSecBufferDesc msg,
        ULONG seq, ULONG *qop_out)
{
    const struct package_ops *ops;
    struct handle_obj *ctx;
    SECURITY_STATUS st;

    st = lib_enter_handle(h, HANDLE_CTX, &ctx);
    if (st != SEC_E_OK)
        return st;
    /* A missing or malformed descriptor is a bad token, as a descriptor
     * lacking its TOKEN or DATA buffer is on Windows (Wine
     * dlls/secur32/tests/ntlm.c, testSignSeal). */
    st = secbuf_check_desc(msg);
    if (st != SEC_E_OK)
        goto out;
    ops = ctx->pkg->ops;
    st = SEC_E_UNSUPPORTED_FUNCTION;
    switch (op) {
    case MSG_SIGN:
        if (ops->make_signature != NULL)
            st = ops->make_signature(ctx, qop, msg, seq);
        break;
    case MSG_VERIFY:
        if (ops->verify_signature != NULL)
            st = ops->verify_signature(ctx, msg, seq, qop_out);
        break;
    case MSG_ENCRYPT:
        if (ops->encrypt != NULL)
            st = ops->encrypt(ctx, qop, msg, seq);
        break;
    case MSG_DECRYPT:
        if (ops->decrypt != NULL)
            st = ops->decrypt(ctx, msg, seq, qop_out);
        break;
    }
out:
    handle_obj_unref(ctx);
    return st;
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
MakeSignature(PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage,
              ULONG MessageSeqNo)
{
    return trace_result("MakeSignature",
                        message(phContext, MSG_SIGN, fQOP, pMessage,
                                MessageSeqNo, NULL));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
VerifySignature(PCtxtHandle phContext, PSecBufferDesc pMessage,
                ULONG MessageSeqNo, ULONG *pfQOP)
{
    return trace_result("VerifySignature",
                        message(phContext, MSG_VERIFY, 0, pMessage,
                                MessageSeqNo, pfQOP));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
EncryptMessage(PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage,
               ULONG MessageSeqNo)
{
    return trace_result("EncryptMessage",
                        message(phContext, MSG_ENCRYPT, fQOP, pMessage,
                                MessageSeqNo, NULL));
}

SSPIGSS_EXPORT SECURITY_STATUS SEC_ENTRY
DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage,
               ULONG MessageSeqNo, ULONG *pfQOP)
{
    return trace_result("DecryptMessage",
                        message(phContext, MSG_DECRYPT, 0, pMessage,
                                MessageSeqNo, pfQOP));
}
