/*
 * status_docs.h - where each SSPI status code comes from on Linux.
 *
 * An X-macro list: no include guard and no code of its own. Define the
 * three macros before including it, and #undef them afterwards. One row
 * per row of lib/status_table.h, aliases included, in the same order
 * (tests/check_docs.sh compiles a check that the two lists line up, and
 * `sspigss status --all --markdown`, which turns this list into
 * docs/status-codes.md, refuses to run when they do not):
 *
 *   SSPIGSS_DOC_PRODUCED(symbol, packages, calls, conditions, tests)
 *       the library returns the code today.
 *       packages    which packages (or "all" for the API layer);
 *       calls       the entry points that return it;
 *       conditions  the underlying conditions (GSS-API, krb5, argument
 *                   checks), with the evidence for the Windows behaviour
 *                   followed;
 *       tests       the tests that make it happen: space-separated
 *                   FILE:NAME references. FILE is a file under tests/.
 *                   For a C suite NAME is a START_TEST name in it; for a
 *                   script it is a literal string of that script (it may
 *                   contain spaces: a reference ends where the next word
 *                   of the form FILE.c: or FILE.sh: begins). Empty when
 *                   no test produces the code yet.
 *   SSPIGSS_DOC_NEVER(symbol, reason)
 *       the code cannot be produced on Linux; reason says what Windows
 *       uses it for and why nothing here can produce it.
 *   SSPIGSS_DOC_LATER(symbol, package, issue, conditions)
 *       a package (or piece of work) not written yet will produce it;
 *       issue is its issue number, conditions what will produce it.
 *
 * Everything is in our own words. Sources abbreviated below (the
 * generator prints the same legend in the document): [ms] the Microsoft
 * documentation page of the call named; [alerts] Microsoft, "Schannel
 * error codes for TLS and SSL alerts"; [wine] Wine's dlls/secur32/tests,
 * recorded on Windows; [pyspnego] jborean93/pyspnego docs/exceptions,
 * recorded on Windows. The mapper rules cited are in lib/map_gss.c (and
 * lib/map_ntstatus.c), each with its own evidence.
 */

/* Success. */
SSPIGSS_DOC_PRODUCED(SEC_E_OK,
    "all",
    "every entry point",
    "The call succeeded. InitializeSecurityContext and "
    "AcceptSecurityContext return it once the context is complete "
    "(Kerberos: the server after the AP-REQ, the client after the AP-REP, "
    "or both at once without mutual authentication); "
    "DeleteSecurityContext also for a handle already deleted, as [ms] "
    "documents; FreeContextBuffer for NULL.",
    "check_kerberos.c:handshake_default check_kerberos.c:sign_verify "
    "check_api.c:delete_context "
    "check_interop.sh:DecryptMessage -> SEC_E_OK (0x00000000)")

/* Informational. */
SSPIGSS_DOC_PRODUCED(SEC_I_CONTINUE_NEEDED,
    "Kerberos",
    "InitializeSecurityContext, AcceptSecurityContext",
    "The handshake needs another round trip (GSS_S_CONTINUE_NEEDED): the "
    "client's first call with ISC_REQ_MUTUAL_AUTH, which sends the AP-REQ "
    "and waits for the AP-REP; the server only in three-leg (DCE-style) "
    "exchanges.",
    "check_kerberos.c:handshake_default "
    "check_kerberos.c:attributes_in_progress "
    "check_interop.sh:SEC_I_CONTINUE_NEEDED (0x00090312)")
SSPIGSS_DOC_NEVER(SEC_I_COMPLETE_NEEDED,
    "Windows asks the caller to finish the output token with "
    "CompleteAuthToken before sending it; [ms] lists it for NTLM, "
    "Negotiate and Digest, and [wine]'s handshake loops handle it. The "
    "GSS-API mechanisms under every package here (MIT's Kerberos and "
    "SPNEGO, gss-ntlmssp) finish each token themselves, so no step is "
    "left to CompleteAuthToken; on an NTLM or Negotiate context it "
    "returns SEC_E_OK when called anyway "
    "(check_negotiate.c:chooses_kerberos checks that no step asks for "
    "it), on a Kerberos context SEC_E_UNSUPPORTED_FUNCTION.")
SSPIGSS_DOC_NEVER(SEC_I_COMPLETE_AND_CONTINUE,
    "As SEC_I_COMPLETE_NEEDED, in the middle of a handshake: finish the "
    "token with CompleteAuthToken, send it, call again with the reply. "
    "No package here leaves a token unfinished (see "
    "SEC_I_COMPLETE_NEEDED).")
SSPIGSS_DOC_NEVER(SEC_I_LOCAL_LOGON,
    "Windows reports a logon made from cached domain credentials (the "
    "LSA's logon cache) while no domain controller could be reached. "
    "sspigss performs no logon and keeps no logon cache: without a KDC a "
    "Kerberos call fails with SEC_E_NO_AUTHENTICATING_AUTHORITY, and "
    "tickets already in a credential cache are simply used, which is "
    "plain success.")
SSPIGSS_DOC_LATER(SEC_I_GENERIC_EXTENSION_RECEIVED, "Schannel", 7,
    "Windows' Schannel returns it when a TLS extension the caller "
    "subscribed to (SECBUFFER_SUBSCRIBE_GENERIC_TLS_EXTENSION) arrives "
    "in a handshake message. Arrives only if the Schannel package offers "
    "that subscription, which OpenSSL's custom-extension callbacks can "
    "carry.")
SSPIGSS_DOC_PRODUCED(SEC_I_CONTEXT_EXPIRED,
    "Schannel",
    "DecryptMessage",
    "The peer's close_notify alert arrives ([ms], DecryptMessage "
    "(Schannel)), or anything arrives after this side's own shutdown "
    "(ApplyControlToken with SCHANNEL_SHUTDOWN): the session is over.",
    "check_schannel.c:shutdown_sequence")
SSPIGSS_DOC_PRODUCED(SEC_I_INCOMPLETE_CREDENTIALS,
    "Schannel",
    "InitializeSecurityContext",
    "The server asks for a client certificate (CertificateRequest), the "
    "credential has none, and none is sent automatically: "
    "ISC_REQ_USE_SUPPLIED_CREDS or SCH_CRED_NO_DEFAULT_CREDS, or no "
    "certificate with a key in the MY store from a CA the server accepts "
    "([ms] Performing Authentication Using Schannel). The next call goes "
    "on with the credential it is given (another one, with a "
    "certificate, is allowed then) or without a certificate; the same "
    "input handed in again is recognised.",
    "check_schannel_server.c:incomplete_credentials "
    "check_schannel_server.c:incomplete_credentials_replayed "
    "check_schannel_server.c:incomplete_then_new_credential "
    "check_schannel_server.c:default_client_certificate "
    "check_schannel.c:client_certificate_declined "
    "check_schannel.c:client_certificate_late "
    "check_schannel.c:client_certificate_from_my")
SSPIGSS_DOC_PRODUCED(SEC_I_RENEGOTIATE,
    "Schannel",
    "DecryptMessage",
    "The peer sent a handshake message after the handshake that needs an "
    "answer: a TLS 1.3 KeyUpdate asking for one back, a TLS 1.2 "
    "HelloRequest, or a client's renegotiation ClientHello to a server "
    "(refused with an alert). The caller hands the SECBUFFER_EXTRA bytes "
    "to InitializeSecurityContext or AcceptSecurityContext and sends its "
    "output ([ms] Recognizing a Request to Renegotiate a Connection). "
    "Windows 11 also reports TLS 1.3 session tickets so (curl issue "
    "18983); here they are taken silently (docs/schannel.md).",
    "check_schannel.c:renegotiation "
    "check_peer_faults.c:tls_duplicate_or_swapped")
SSPIGSS_DOC_NEVER(SEC_I_NO_LSA_CONTEXT,
    "Windows packages that keep a context only in the caller's process "
    "answer with it when the LSA's half of the context is asked for. "
    "There is no LSA on Linux: every sspigss context lives entirely in "
    "the calling process, there is no second half to be missing, and no "
    "call asks for one.")
SSPIGSS_DOC_NEVER(SEC_I_SIGNATURE_NEEDED,
    "Windows returns it from logon flows that hand a signing step back "
    "to the caller (a key held outside the LSA, as in its cloud and "
    "PKU2U logons). sspigss has none of those packages, and certificate "
    "logon (PKINIT, issue #11) signs with the card through PKCS#11 "
    "inside libkrb5: no SSPI call ever hands a signature back.")
SSPIGSS_DOC_LATER(SEC_I_NO_RENEGOTIATION, "Schannel", 7,
    "The peer answers a renegotiation request with a no_renegotiation "
    "warning alert; the session goes on as it was.")
SSPIGSS_DOC_LATER(SEC_I_MESSAGE_FRAGMENT, "Schannel", 7,
    "A handshake call whose output the caller limited "
    "(ISC_REQ_FRAGMENT_TO_FIT, ASC_REQ_FRAGMENT_TO_FIT, DTLS record "
    "sizes) holds only part of a handshake flight; arrives if the "
    "Schannel package supports fragment-to-fit output.")
SSPIGSS_DOC_LATER(SEC_I_CONTINUE_NEEDED_MESSAGE_OK, "Schannel", 7,
    "A TLS handshake step after which the caller must call again but "
    "may already send application data (an early start: TLS False Start "
    "or early data); arrives if the Schannel package offers an early "
    "start, as recent Windows does.")
SSPIGSS_DOC_NEVER(SEC_I_ASYNC_CALL_PENDING,
    "Only Windows' asynchronous SSPI interface "
    "(SspiInitializeSecurityContextAsync and SspiGetAsyncCallStatus, "
    "kernel mode) reports it. sspigss does not export that interface: "
    "every call here has finished when it returns.")

/* Errors. */
SSPIGSS_DOC_PRODUCED(SEC_E_INSUFFICIENT_MEMORY,
    "all; Kerberos",
    "any call that allocates: EnumerateSecurityPackages, "
    "QuerySecurityPackageInfo, AcquireCredentialsHandle, the handshake "
    "calls, QueryContextAttributes, ExportSecurityContext, "
    "ImportSecurityContext",
    "One of the library's own allocations fails: the handle table, "
    "UTF-16 and UTF-8 conversion (package names included), identities, "
    "credential and context objects, output tokens under "
    "ISC_REQ_ALLOCATE_MEMORY, attribute strings and package lists; and "
    "the mapper's ENOMEM and G_BUFFER_ALLOC rules. Nothing is leaked or "
    "handed out. Allocation failures inside MIT krb5 and OpenSSL are "
    "the fault-injection work's (issue #15). Schannel will also use it "
    "for an output buffer too small, as Windows' Schannel does (issue "
    "#7).",
    "check_oom.c:enumerate_packages_out_of_memory "
    "check_oom.c:query_package_out_of_memory "
    "check_oom.c:acquire_conversion_out_of_memory "
    "check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_INVALID_HANDLE,
    "all; Kerberos",
    "every call that takes a handle; FreeContextBuffer",
    "A NULL, zeroed, forged or stale handle, or one of the wrong kind (a "
    "credential passed as a context, or the reverse); a first "
    "InitializeSecurityContext or AcceptSecurityContext without "
    "phNewContext; ImportSecurityContext without phContext; a pointer "
    "FreeContextBuffer never handed out or already freed (our choice: "
    "Windows would corrupt its heap). Kerberos: an initiator context "
    "given to AcceptSecurityContext or the reverse; continuing a "
    "handshake whose partial context GSS-API dropped after a failed "
    "step; messages and most attributes on a context not yet "
    "established; the mapper's GSS_S_NO_CONTEXT and KG_CTX_INCOMPLETE "
    "rules.",
    "check_api.c:context_calls_on_bad_handles "
    "check_api.c:credential_calls_on_bad_handles "
    "check_handles.c:forged_zeroed_and_foreign_handles "
    "check_memory.c:foreign_and_double_free_refused "
    "check_kerberos.c:bad_handles check_kerberos.c:not_established "
    "check_kerberos.c:initiate_bad_continuation")
SSPIGSS_DOC_PRODUCED(SEC_E_UNSUPPORTED_FUNCTION,
    "all; Kerberos; Negotiate, NTLM, Schannel until their packages land",
    "any call a package does not provide; QuerySecurityContextToken, "
    "ImpersonateSecurityContext, RevertSecurityContext, "
    "CompleteAuthToken, the Ex and Set attribute calls, AddCredentials, "
    "ChangeAccountPassword; EncryptMessage; QueryContextAttributes",
    "Every operation of Negotiate, NTLM, Schannel and the Unified "
    "provider until issues #6 and #7; the Reserved slots of the function "
    "table; calls no package supports yet; QuerySecurityContextToken "
    "(Linux has no Windows access token); a context or credential "
    "attribute the package does not report; EncryptMessage on a Kerberos "
    "context made without ISC_REQ_CONFIDENTIALITY, as recorded on "
    "Windows ([pyspnego]); the mapper's GSS_S_UNAVAILABLE rule. Windows' "
    "Schannel also uses it for a protocol_version alert ([alerts]).",
    "check_api.c:credential_calls_without_package_support "
    "check_api.c:context_calls_without_package_support "
    "check_packages.c:reserved_slots_answer_unsupported "
    "check_kerberos.c:attributes_unsupported "
    "check_kerberos.c:no_confidentiality check_kerberos.c:credential_names")
SSPIGSS_DOC_PRODUCED(SEC_E_TARGET_UNKNOWN,
    "Kerberos",
    "InitializeSecurityContext",
    "The KDC has no principal for the target SPN "
    "(KDC_ERR_S_PRINCIPAL_UNKNOWN, reported this way by Windows per "
    "Microsoft's Entra Kerberos error table), including a service in a "
    "realm the KDC has no trust path to (MIT then finds no krbtgt "
    "towards it: where Windows would say SEC_E_KDC_UNABLE_TO_REFER); a "
    "NULL, empty or unparsable target name; GSS-API cannot build the "
    "host-based name (G_BAD_SERVICE_NAME, G_BAD_HOSTNAME, "
    "GSS_S_BAD_NAME).",
    "check_kerberos.c:unknown_target check_mapping.c:kdc_unable_to_refer "
    "check_interop.sh:n-unknown: code")
SSPIGSS_DOC_PRODUCED(SEC_E_INTERNAL_ERROR,
    "all; Kerberos",
    "ApplyControlToken; any Kerberos call whose GSS-API or krb5 failure "
    "no mapper rule explains",
    "ApplyControlToken with a NULL descriptor, as Windows answers "
    "([wine] schannel.c); a GSS-API calling error (the library's own "
    "misuse); GSS_S_FAILURE or a krb5 code that no minor-code rule "
    "refines, whose text SSPIGSS_TRACE and sspigss_last_error() give. No "
    "Kerberos scenario the tests reach falls back to it: each has its "
    "own rule. Windows' Schannel uses it for an internal_error alert "
    "([alerts], issue #7).",
    "check_kerberos.c:established_context_internal_and_shutdown "
    "check_api.c:context_calls_without_package_support "
    "check_map_gss.c:routine_defaults "
    "check_map_gss.c:mechanism_decides_the_table")
SSPIGSS_DOC_PRODUCED(SEC_E_SECPKG_NOT_FOUND,
    "all",
    "AcquireCredentialsHandle, QuerySecurityPackageInfo, "
    "ImportSecurityContext, ChangeAccountPassword",
    "A NULL or unknown package name, or a UTF-16 name that does not "
    "decode (known names match in any case, as on Windows); checked "
    "before every other argument, as [wine] records; the mapper's "
    "GSS_S_BAD_MECH rule (a mechanism GSS-API lacks).",
    "check_packages.c:query_unknown check_api.c:acquire_credentials "
    "check_api.c:import_and_password_change")
SSPIGSS_DOC_NEVER(SEC_E_NOT_OWNER,
    "Windows' LSA answers AcquireCredentialsHandle with it when the "
    "caller asks for the credentials of another logon session "
    "(pvLogonId) without the privilege to use them. Linux has no LSA "
    "logon sessions: pvLogonId is ignored, and who may use a credential "
    "cache or keytab is decided by file permissions, so a cache the "
    "caller cannot read is simply no credentials "
    "(SEC_E_NO_CREDENTIALS).")
SSPIGSS_DOC_NEVER(SEC_E_CANNOT_INSTALL,
    "Windows reports a security package DLL that failed to initialize "
    "when the LSA loads it (AddSecurityPackage, start-up). sspigss loads "
    "no packages: all are compiled into the library, and a GSS-API "
    "mechanism missing underneath shows when it is used, as "
    "SEC_E_SECPKG_NOT_FOUND or SEC_E_NO_CREDENTIALS.")
SSPIGSS_DOC_PRODUCED(SEC_E_INVALID_TOKEN,
    "all; Kerberos, NTLM, Negotiate, Schannel",
    "InitializeSecurityContext, AcceptSecurityContext, MakeSignature, "
    "VerifySignature, EncryptMessage, DecryptMessage, "
    "ImportSecurityContext",
    "A SecBufferDesc with a version other than SECBUFFER_VERSION, no "
    "buffers, or a non-empty buffer without memory (Windows answers a "
    "descriptor lacking its buffers so, [wine] ntlm.c). Kerberos: an "
    "input token that is empty, cut short, not a GSS-API token, or of "
    "the wrong kind or mechanism (checked before GSS-API sees it, so the "
    "context is unchanged); a token after the context is complete; an "
    "AP-REP that fails its integrity check; a replayed AP-REQ; a message "
    "call without its TOKEN or DATA buffer; ImportSecurityContext of "
    "bytes that are not an exported context; a Kerberos-framed token "
    "that is no AP-REQ (MIT would ask for more with nothing to send). "
    "NTLM: a CHALLENGE or AUTHENTICATE that gss-ntlmssp 1.2 would crash "
    "on (an empty TargetName with UNICODE and a target type; a session "
    "key that is not 16 bytes under key exchange, as the server's "
    "CHALLENGE negotiated it, whatever the AUTHENTICATE's own flags say). "
    "NTLM and Negotiate: "
    "a handshake token that is empty or cut short (a DER length that is "
    "not its length, an NTLM message whose fields run past its end), a "
    "NegTokenInit where a NegTokenResp is due, or an NTLM message other "
    "than the one due (raw or inside SPNEGO: a duplicated or reordered "
    "token), checked before GSS-API sees it so the context is unchanged "
    "(gss-ntlmssp and MIT's SPNEGO would drop it); any token to a "
    "completed context. Schannel: bytes that are "
    "not TLS records (a plain-text peer; curl reports the same code "
    "from Windows), a malformed SECBUFFER_APPLICATION_PROTOCOLS buffer.",
    "check_schannel_server.c:server_bad_input check_schannel_server.c:alpn "
    "check_schannel.c:not_tls "
    "check_ntlm.c:challenge_without_target_name "
    "check_ntlm.c:authenticate_short_session_key "
    "check_kerberos.c:accept_bad_tokens "
    "check_kerberos.c:initiate_bad_continuation "
    "check_kerberos.c:missing_buffers check_kerberos.c:import_garbage "
    "check_secbuf.c:bad_descriptors "
    "check_interop.sh:h-srv-garbage: code "
    "check_interop.sh:h-cli-garbage: code "
    "check_peer_faults.c:gss_truncated_tokens "
    "check_peer_faults.c:gss_duplicated_tokens "
    "check_peer_faults.c:gss_reordered_tokens")
SSPIGSS_DOC_PRODUCED(SEC_E_CANNOT_PACK,
    "Kerberos, NTLM, Negotiate",
    "ExportSecurityContext",
    "The context's handshake is not finished (GSS-API exports only an "
    "established context), or gss_export_sec_context fails.",
    "check_kerberos.c:export_unfinished check_ntlm.c:export_unfinished")
SSPIGSS_DOC_PRODUCED(SEC_E_QOP_NOT_SUPPORTED,
    "the GSS mapper only (Kerberos, NTLM, Negotiate)",
    "EncryptMessage",
    "The mapper's GSS_S_BAD_QOP and G_UNKNOWN_QOP rules, which no call "
    "reaches today: the packages ask GSS-API for the default QOP and "
    "interpret fQOP themselves. Kerberos: SECQOP_WRAP_NO_ENCRYPT signs "
    "without encrypting; MakeSignature ignores other values, as Windows' "
    "Kerberos does per [pyspnego]. NTLM: every QOP is taken and the "
    "message sealed, SECQOP_WRAP_NO_ENCRYPT included, as Windows' NTLM "
    "takes it and its peer's DecryptMessage returns the plaintext "
    "([pyspnego] test_sspi_wrap_no_encryption; docs/negotiate.md). [ms] "
    "also lists the code for EncryptMessage on a context with neither "
    "confidentiality nor integrity; [pyspnego] recorded "
    "SEC_E_UNSUPPORTED_FUNCTION there, which we follow.",
    "check_map_gss.c:routine_defaults check_map_gss.c:every_minor_rule "
    "check_ntlm.c:seal_qop check_interop_ntlm.sh:--no-crypt")
SSPIGSS_DOC_PRODUCED(SEC_E_NO_IMPERSONATION,
    "Kerberos",
    "ImpersonateSecurityContext",
    "Called on a client (initiator) context: only a service impersonates "
    "the client it accepted. Windows gives the code when a client's token "
    "cannot be impersonated. On Linux, impersonating an accepted context "
    "has no thread token to swap; it makes outbound credentials acquired "
    "without an identity the client's delegated ones (the double hop).",
    "check_kerberos.c:no_impersonation")
SSPIGSS_DOC_PRODUCED(SEC_E_LOGON_DENIED,
    "Kerberos, Negotiate, NTLM",
    "InitializeSecurityContext (explicit credentials, first call); "
    "AcceptSecurityContext (NTLM: the AUTHENTICATE message)",
    "The initial ticket of a user/password credential is refused; Windows "
    "reports such logon failures at InitializeSecurityContext, not at "
    "AcquireCredentialsHandle, and documents only this code for them "
    "(InitializeSecurityContext (Kerberos), return values). Per KDC: "
    "wrong password: MIT and AD KDC_ERR_PREAUTH_FAILED (without "
    "preauthentication, an AS-REP that does not decrypt); unknown user: "
    "KDC_ERR_C_PRINCIPAL_UNKNOWN on both; disabled account: MIT "
    "KDC_ERR_CLIENT_REVOKED, AD the same plus NTSTATUS 0xC0000072; "
    "expired account: MIT KDC_ERR_NAME_EXP, AD KDC_ERR_CLIENT_REVOKED + "
    "0xC0000193; must change password: AD KDC_ERR_KEY_EXP + 0xC0000224; "
    "password too old: MIT KDC_ERR_KEY_EXP, AD the same + 0xC0000071; "
    "locked out: KDC_ERR_CLIENT_REVOKED on both, with no NTSTATUS from "
    "Samba 4.17; smartcard required (password tried): AD "
    "KDC_ERR_PREAUTH_FAILED. An AD KDC's NTSTATUS is read from the "
    "KRB-ERROR e-data (lib/krb_edata.c, MS-KILE 2.2.1) and named in "
    "sspigss_last_error(); what Windows returns for these account states "
    "is not recorded anywhere we found, so the documented code stands. "
    "Also KDC_ERR_NULL_KEY, the mapper's GSS_S_UNAUTHORIZED and SPNEGO "
    "negotiation-failed rules; Schannel will map an access_denied alert "
    "here ([alerts], issue #7). NTLM: the acceptor refuses the client's "
    "AUTHENTICATE message: a wrong password (gss-ntlmssp's EINVAL), a "
    "user neither its user file nor winbind knows (EACCES, ENOENT, "
    "ERR_NOUSRFOUND), an NTLMv1 response; [wine] ntlm.c allows exactly "
    "this code at the server. Negotiate: the KDC refusing the identity "
    "is final (no NTLM attempt), and a server's SPNEGO reject reaches "
    "the client as this code.",
    "check_kerberos.c:wrong_password check_kerberos.c:unknown_user "
    "check_kerberos.c:disabled_account check_kerberos.c:expired_account "
    "check_ad.c:account_state check_ad.c:lockout "
    "check_mapping.c:key_expired check_edata.c:ntstatus_mapping "
    "check_interop.sh:c-badpw: code check_ntlm.c:wrong_password "
    "check_ntlm.c:unknown_user check_ntlm.c:ntlmv1_refused "
    "check_negotiate.c:wrong_password check_negotiate.c:server_rejects "
    "check_interop_ntlm.sh:o-badpw: code")
SSPIGSS_DOC_PRODUCED(SEC_E_UNKNOWN_CREDENTIALS,
    "Kerberos, NTLM, Negotiate, Schannel",
    "AcquireCredentialsHandle",
    "pAuthData is not a usable identity: neither the ANSI nor the "
    "UNICODE flag, an EX structure shorter than its Length, a malformed "
    "packed EX2 identity (a part outside cbStructureLength or inside the "
    "header, an odd UTF-16 length, no packed credential) or one whose "
    "packed credential is neither a password nor a keytab (NTLM: not a "
    "password), a length without a string, malformed "
    "UTF-8 or UTF-16, an empty user name, or a name krb5 cannot parse; "
    "the mapper's GSS_S_DEFECTIVE_CREDENTIAL rule. Schannel: a "
    "credential structure of another version, or paCred holding a "
    "pointer that is not a live certificate context of the library.",
    "check_schannel_server.c:server_credentials "
    "check_kerberos.c:unusable_identities "
    "check_identity.c:bad_identities "
    "check_identity.c:principal_needs_a_user check_identity.c:ex_identity "
    "check_identity.c:ex2_malformed check_kerberos.c:ex2_unsupported_types")
SSPIGSS_DOC_PRODUCED(SEC_E_NO_CREDENTIALS,
    "all; Kerberos, NTLM, Negotiate",
    "AcquireCredentialsHandle, InitializeSecurityContext, "
    "AcceptSecurityContext, QueryCredentialsAttributes",
    "fCredentialUse naming neither SECPKG_CRED_INBOUND nor _OUTBOUND, or "
    "with unknown bits (Windows gives it for 0, [wine] schannel.c). "
    "Kerberos: no credential cache, an empty one, expired tickets, or no "
    "tickets for the principal named (pszPrincipal, or an identity "
    "without a password); no keytab, or no key in it, for an inbound "
    "credential (also a packed EX2 keytab); a packed EX2 keytab that is "
    "no keytab or holds no key for the user, at the first "
    "InitializeSecurityContext; InitializeSecurityContext with an "
    "inbound-only "
    "credential or AcceptSecurityContext with an outbound-only one; the "
    "mapper's GSS_S_NO_CRED, credential-cache and keytab rules. NTLM: "
    "no user file entry and no winbind for the user (the handle is made, "
    "as on Windows; the first InitializeSecurityContext fails). "
    "Certificate logon (docs/pkinit.md): no PKCS#11 token or file holds "
    "the marshaled credential's certificate (at AcquireCredentialsHandle), "
    "or the card is gone by the first InitializeSecurityContext (MIT's "
    "trace: no matching tokens). "
    "Negotiate: neither mechanism has credentials, or the PackageList "
    "allows none. Schannel: a server credential without a certificate, "
    "a certificate without its private key (Windows, dotnet/corefx "
    "issues 24454 and 32514), a client context made from a server "
    "credential or the reverse; SECPKG_ATTR_REMOTE_CERT_CONTEXT when the "
    "peer sent no certificate.",
    "check_schannel_server.c:server_credentials "
    "check_schannel_server.c:handshake_tls13 "
    "check_kerberos.c:no_credentials "
    "check_kerberos.c:acceptor_without_keytab "
    "check_kerberos.c:ex2_keytab_unusable "
    "check_kerberos.c:acceptor_ex2_keytab "
    "check_kerberos.c:identity_without_password "
    "check_api.c:acquire_credentials check_ntlm.c:no_credentials "
    "check_negotiate.c:package_list_nothing "
    "check_pkinit.c:unknown_certificate check_pkinit.c:card_removed")
SSPIGSS_DOC_PRODUCED(SEC_E_MESSAGE_ALTERED,
    "Kerberos, NTLM, Negotiate, Schannel",
    "DecryptMessage, VerifySignature; AcceptSecurityContext and "
    "InitializeSecurityContext (Negotiate's mechListMIC)",
    "The message's checksum does not verify: data, header or signature "
    "changed in transit, a signed-only message altered, another "
    "context's key (GSS_S_BAD_SIG, KRB5KRB_AP_ERR_BAD_INTEGRITY); our "
    "own message reflected back, or one sent in the wrong direction "
    "(G_REFLECT, G_BAD_DIRECTION). No plaintext is left in the caller's "
    "buffers. Schannel: a record that fails its check (bad_record_mac, "
    "[alerts]). NTLM: any signature that does not verify, "
    "and also a replayed or reordered message, since NTLM's sequence "
    "number is inside its checksum (what Windows returns, per "
    "[pyspnego]). Negotiate: an altered or stripped SPNEGO mechListMIC "
    "(docs/negotiate.md).",
    "check_kerberos.c:seal_tamper check_kerberos.c:sign_verify "
    "check_kerberos.c:seal_no_encrypt "
    "check_kerberos.c:seal_sign_only_buffer "
    "check_kerberos.c:hostile_message_tokens check_ntlm.c:seal_tamper "
    "check_ntlm.c:sign_tamper check_ntlm.c:out_of_order "
    "check_negotiate.c:mech_list_mic check_schannel.c:records")
SSPIGSS_DOC_PRODUCED(SEC_E_OUT_OF_SEQUENCE,
    "Kerberos",
    "DecryptMessage, VerifySignature",
    "A replayed, duplicate, early or late message. The RFC 4121 sequence "
    "number is checked before GSS-API sees the token, so nothing is "
    "spent and the expected message is still accepted afterwards; "
    "GSS-API's DUPLICATE, OLD, UNSEQ and GAP supplementary bits map here "
    "too. Windows demands order even without ISC_REQ_SEQUENCE_DETECT "
    "([pyspnego]).",
    "check_kerberos.c:replay check_kerberos.c:reorder "
    "check_kerberos.c:reorder_then_in_order "
    "check_map_gss.c:supplementary_bits_are_flags")
SSPIGSS_DOC_PRODUCED(SEC_E_NO_AUTHENTICATING_AUTHORITY,
    "Kerberos",
    "InitializeSecurityContext",
    "No KDC of the realm answers (KRB5_KDC_UNREACH; connection refused, "
    "timeouts, unreachable network) or none can be found for the realm "
    "(KRB5_REALM_CANT_RESOLVE, KRB5_REALM_UNKNOWN): when an explicit "
    "credential asks for its initial ticket, or when default credentials "
    "need a service ticket not yet cached. MIT's client ends a referral "
    "loop, or a chain longer than 10 referrals, with the same "
    "KRB5_KDC_UNREACH, so that case comes out here too. [ms] lists it "
    "for InitializeSecurityContext (Kerberos). A client realm no KDC is "
    "known for comes out so against both KDCs (MIT and Samba AD). So do "
    "the KDC faults of docs/reliability.md: a KDC that is down, that "
    "never answers (after MIT 1.20's fixed schedule, 27 s), that closes "
    "the connection mid-reply, or whose reply is cut short or is no "
    "Kerberos message (ASN1_OVERRUN and kin, KRB5KRB_AP_ERR_MSG_TYPE), "
    "in the initial-ticket or the service-ticket exchange, and a KDC "
    "that refuses the realm without a referral (KDC_ERR_WRONG_REALM: "
    "\"the domain name of the authenticating party could be wrong\", "
    "[ms]). Windows' code for an undecodable KDC reply is not recorded; "
    "sspi-rs reports a KDC reply it cannot read so.",
    "check_kerberos.c:kdc_down check_mapping.c:unknown_realm "
    "check_mapping.c:max_referrals_exceeded check_kdc_faults.c:down "
    "check_kdc_faults.c:silent check_kdc_faults.c:close_mid_reply "
    "check_kdc_faults.c:bad_reply check_kdc_faults.c:tgs_fault "
    "check_kdc_faults.c:wrong_realm "
    "check_map_gss.c:kdc_reply_undecodable")
SSPIGSS_DOC_NEVER(SEC_E_BAD_PKGID,
    "Windows' LSA gives it when an internal request names a package by "
    "a numeric identifier that does not exist. No call of the SSPI "
    "surface takes a package number: sspigss finds packages by name "
    "only, and an unknown name is SEC_E_SECPKG_NOT_FOUND.")
SSPIGSS_DOC_PRODUCED(SEC_E_CONTEXT_EXPIRED,
    "Kerberos, Schannel",
    "AcceptSecurityContext; EncryptMessage and DecryptMessage "
    "(Schannel)",
    "The service ticket in an AP-REQ is past its end time when it "
    "reaches the acceptor (KRB5KRB_AP_ERR_TKT_EXPIRED): the context it "
    "would make has already expired; the mapper's GSS_S_CONTEXT_EXPIRED "
    "rule. An established context does not expire by itself here: MIT's "
    "wrap, unwrap and MIC functions never check its lifetime, so the "
    "message calls do not return it. Schannel: EncryptMessage on a "
    "session already shut down (SCHANNEL_SHUTDOWN or the peer's "
    "close_notify), or between a SEC_I_RENEGOTIATE that has something "
    "to send and its handshake call (curl commit cd015c8); "
    "EncryptMessage and DecryptMessage after a record that failed (a "
    "fatal alert ends a TLS connection, RFC 8446 6). The expired "
    "ticket comes out so against both KDCs (MIT and Samba AD).",
    "check_mapping.c:context_expired check_map_gss.c:routine_defaults "
    "check_map_gss.c:every_minor_rule check_schannel.c:shutdown_sequence "
    "check_schannel.c:renegotiation "
    "check_peer_faults.c:tls_duplicate_or_swapped")
SSPIGSS_DOC_PRODUCED(SEC_E_INCOMPLETE_MESSAGE,
    "Schannel",
    "InitializeSecurityContext, DecryptMessage",
    "Only part of a TLS record was given: the second input buffer becomes "
    "SECBUFFER_MISSING with the number of bytes still needed, and the "
    "context is unchanged (records are cut by their headers before "
    "OpenSSL sees them), so the caller calls again with the same bytes "
    "and more. [ms] lists it for DecryptMessage (Kerberos) too; the "
    "Kerberos package answers a token cut short with SEC_E_INVALID_TOKEN "
    "instead, since a GSS-API token travels whole (docs/kerberos.md).",
    "check_schannel.c:byte_by_byte check_schannel.c:records")
SSPIGSS_DOC_LATER(SEC_E_INCOMPLETE_CREDENTIALS, "Schannel", 7,
    "A handshake that cannot go on because the credential lacks "
    "something the peer requires, such as a certificate or its private "
    "key; the client's request for a certificate it does not have is the "
    "informational SEC_I_INCOMPLETE_CREDENTIALS.")
SSPIGSS_DOC_PRODUCED(SEC_E_BUFFER_TOO_SMALL,
    "Kerberos",
    "InitializeSecurityContext, AcceptSecurityContext, EncryptMessage, "
    "MakeSignature",
    "The caller's SECBUFFER_TOKEN cannot hold the output token (without "
    "ISC_REQ_ALLOCATE_MEMORY or ASC_REQ_ALLOCATE_MEMORY), or the output "
    "descriptor has no TOKEN buffer at all (Windows, [wine] ntlm.c); the "
    "TOKEN buffer of EncryptMessage or MakeSignature is smaller than the "
    "header or signature. Nothing is written and no sequence number is "
    "spent.",
    "check_kerberos.c:token_too_small "
    "check_kerberos.c:initiate_output_too_small "
    "check_kerberos.c:accept_output_too_small "
    "check_kerberos.c:initiate_allocate_without_token_buffer")
SSPIGSS_DOC_PRODUCED(SEC_E_WRONG_PRINCIPAL,
    "Kerberos, NTLM, Schannel",
    "AcceptSecurityContext, InitializeSecurityContext",
    "The ticket in an AP-REQ is for another principal than the "
    "acceptor's credential (KRB5KRB_AP_ERR_NOT_US, KG_KEYTAB_NOMATCH), "
    "or was sealed with a key the service does not hold "
    "(KRB5KRB_AP_ERR_MODIFIED, which Windows reports this way, KB "
    "2090913). Schannel: the server certificate does not name the target "
    "(host name or IP address; not checked with "
    "SCH_CRED_NO_SERVERNAME_CHECK). NTLM: a gss-ntlmssp server "
    "with a service name announces it in its CHALLENGE, and the client "
    "refuses a name other than its target (EINVAL); Windows' client "
    "does not check, and sspigss's own NTLM servers announce no name.",
    "check_kerberos.c:acceptor_principal check_interop.sh:n-wrong: code "
    "check_interop_ntlm.sh:c-spn: code "
    "check_schannel.c:server_certificates")
SSPIGSS_DOC_PRODUCED(SEC_E_TIME_SKEW,
    "Kerberos",
    "InitializeSecurityContext, AcceptSecurityContext",
    "Clocks further apart than the allowed skew (five minutes by "
    "default): the KDC refuses the request or the acceptor refuses the "
    "authenticator (KRB5KRB_AP_ERR_SKEW); a ticket not yet valid "
    "(KRB5KRB_AP_ERR_TKT_NYV); an Active Directory KDC naming "
    "STATUS_TIME_DIFFERENCE_AT_DC in its error's e-data (read by "
    "lib/krb_edata.c). Windows reports clock skew so (KB 278467). The "
    "KDC's and the acceptor's skew checks come out so against both KDCs "
    "(MIT and Samba AD).",
    "check_mapping.c:clock_skew check_map_gss.c:every_minor_rule "
    "check_edata.c:ntstatus_mapping")
SSPIGSS_DOC_PRODUCED(SEC_E_UNTRUSTED_ROOT,
    "Schannel",
    "InitializeSecurityContext",
    "The server's certificate chain does not end at a trusted root "
    "(OpenSSL's unable-to-get-issuer and self-signed results; trust is "
    "OpenSSL's default locations, SSL_CERT_FILE/SSL_CERT_DIR), or the "
    "peer's unknown_ca alert ([alerts]).",
    "check_schannel.c:server_certificates "
    "check_schannel.c:client_certificate_refused check_map_gss.c:tls_rules")
SSPIGSS_DOC_PRODUCED(SEC_E_ILLEGAL_MESSAGE,
    "Schannel",
    "InitializeSecurityContext, AcceptSecurityContext, DecryptMessage",
    "A fatal alert from the peer without a more specific code "
    "(unexpected_message, handshake_failure, decode_error, ... and any "
    "alert [alerts] does not list), or a broken record OpenSSL refuses "
    "without an alert: lib/map_tls.c. A server that requires a client "
    "certificate the client declined ends with handshake_failure (TLS "
    "1.2) or certificate_required (TLS 1.3). A client that finds TLS "
    "1.3's downgrade sentinel in a TLS 1.2 ServerHello sends "
    "illegal_parameter and stops with this code. A record header "
    "announcing more than TLS allows (2^14 + 2048 bytes, TLS 1.3: "
    "2^14 + 256): record_overflow, at once.",
    "check_schannel_server.c:downgrade_detected "
    "check_peer_faults.c:tls_oversized_record "
    "check_map_gss.c:tls_rules "
    "check_schannel.c:client_certificate_declined")
SSPIGSS_DOC_PRODUCED(SEC_E_CERT_UNKNOWN,
    "Schannel",
    "InitializeSecurityContext, DecryptMessage",
    "A certificate that cannot be used for another reason than trust, "
    "time, name or usage (a bad signature, an unreadable extension), or "
    "the peer's bad_certificate, unsupported_certificate or "
    "certificate_unknown alert ([alerts]): lib/map_tls.c. Produced by a "
    "server refusing a client certificate meant for servers only.",
    "check_schannel.c:client_certificate_refused check_map_gss.c:tls_rules")
SSPIGSS_DOC_PRODUCED(SEC_E_CERT_EXPIRED,
    "Schannel",
    "InitializeSecurityContext",
    "The server's certificate is outside its validity period (OpenSSL's "
    "cert-has-expired and cert-not-yet-valid results), or the peer's "
    "certificate_expired alert ([alerts]).",
    "check_schannel.c:server_certificates check_map_gss.c:tls_rules")
SSPIGSS_DOC_LATER(SEC_E_ENCRYPT_FAILURE, "Schannel", 7,
    "EncryptMessage when a TLS record cannot be sealed for a reason other "
    "than the caller's buffers or a closed connection (OpenSSL refuses "
    "to write the record). The Kerberos package never returns it: a "
    "failing gss_wrap_iov has no mapper rule of its own and comes out "
    "as SEC_E_INTERNAL_ERROR, and [ms] does not list it for "
    "EncryptMessage (Kerberos).")
SSPIGSS_DOC_PRODUCED(SEC_E_DECRYPT_FAILURE,
    "Schannel (mapper only)",
    "DecryptMessage, InitializeSecurityContext",
    "The peer's decryption_failed or decrypt_error alert ([alerts]): "
    "lib/map_tls.c. A record that fails its check here is bad_record_mac, "
    "SEC_E_MESSAGE_ALTERED, as [alerts] gives; the Kerberos package "
    "reports a message that fails its check as SEC_E_MESSAGE_ALTERED, as "
    "Windows' Kerberos does. No scenario test yet.",
    "check_map_gss.c:tls_rules")
SSPIGSS_DOC_PRODUCED(SEC_E_ALGORITHM_MISMATCH,
    "Negotiate; Kerberos (mapper only)",
    "AcceptSecurityContext, InitializeSecurityContext",
    "Negotiate: client and server share no mechanism (a client allowed "
    "NTLM only, a server Kerberos only): MIT's SPNEGO reports a bad "
    "mechanism or nothing to negotiate, which in a handshake is "
    "Windows' \"no common algorithm\" ([ms]), not a missing package. "
    "Kerberos: the mapper's KG_NO_CTYPES rule (no checksum type in "
    "common), which no real scenario reaches: MIT derives the checksum "
    "from the session key, and a KDC with no enctype in common answers "
    "SEC_E_KDC_UNKNOWN_ETYPE. Schannel will return it when client and "
    "server share no TLS version or cipher suite ([alerts], issue #7).",
    "check_negotiate.c:no_common_package check_map_gss.c:every_minor_rule "
    "check_map_gss.c:rules_beyond_the_minor")
SSPIGSS_DOC_NEVER(SEC_E_SECURITY_QOS_FAILED,
    "Windows' text: a context could not be made because a requested "
    "quality of service (mutual authentication, delegation) failed. The "
    "packages here grant what the mechanisms grant and say so in the "
    "ISC_RET/ASC_RET flags, as Windows' Kerberos and NTLM do: MIT grants "
    "every Kerberos property asked for (delegation the KDC refuses just "
    "leaves ISC_RET_DELEGATE clear); an NTLM server that will not sign "
    "or seal what the client requires fails the client with "
    "SEC_E_UNSUPPORTED_FUNCTION, the code MS-NLMP 3.1.5.1.2 names for a "
    "server too weak for the client's policy.")
SSPIGSS_DOC_PRODUCED(SEC_E_UNFINISHED_CONTEXT_DELETED,
    "Schannel (mapper only)",
    "InitializeSecurityContext, AcceptSecurityContext",
    "The peer abandons a TLS handshake with a user_canceled alert "
    "([alerts] maps alert 90 to this code): lib/map_tls.c. Deleting an "
    "unfinished context locally is plain DeleteSecurityContext, which "
    "returns SEC_E_OK. No scenario test yet.",
    "check_map_gss.c:tls_rules")
SSPIGSS_DOC_PRODUCED(SEC_E_NO_TGT_REPLY,
    "Kerberos",
    "InitializeSecurityContext",
    "The KDC answers KDC_ERR_MUST_USE_USER2USER: the service has no "
    "long-term key and can only be reached user-to-user, which needs the "
    "service's TGT, and the client has none to offer (MIT's GSS-API does "
    "not run the user-to-user exchange).",
    "check_mapping.c:no_tgt_reply check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_NEVER(SEC_E_NO_IP_ADDRESSES,
    "Windows' Kerberos fails with it when the machine has no IP address "
    "at all to reach a KDC or to put in an address-bound ticket. MIT's "
    "client sends address-less requests by default (noaddresses), and a "
    "machine without a network cannot reach the KDC: "
    "SEC_E_NO_AUTHENTICATING_AUTHORITY.")
SSPIGSS_DOC_PRODUCED(SEC_E_WRONG_CREDENTIAL_HANDLE,
    "Kerberos, NTLM, Negotiate, Schannel",
    "InitializeSecurityContext, AcceptSecurityContext (later calls of a "
    "handshake)",
    "A later call of a handshake passes a valid credential handle other "
    "than the one the context was started with, of the same package or "
    "another (passing NULL is allowed; Schannel allows another client "
    "credential after SEC_I_INCOMPLETE_CREDENTIALS).",
    "check_kerberos.c:wrong_credential_handle "
    "check_ntlm.c:wrong_credential_handle "
    "check_schannel_server.c:wrong_credential")
SSPIGSS_DOC_PRODUCED(SEC_E_CRYPTO_SYSTEM_INVALID,
    "Kerberos",
    "AcceptSecurityContext, InitializeSecurityContext",
    "This side cannot use an enctype or checksum type it is handed: an "
    "acceptor whose permitted_enctypes exclude the ticket's session key "
    "(KRB5_NOPERM_ETYPE), an initiator whose cached tickets are all of "
    "enctypes it may not use (KRB5_CC_NOT_KTYPE), or one its krb5 "
    "library lacks (KRB5_BAD_ENCTYPE, KRB5_PROG_ETYPE_NOSUPP, "
    "KRB5_PROG_SUMTYPE_NOSUPP, KDC_ERR_SUMTYPE_NOSUPP). [ms] lists it "
    "for EncryptMessage (Kerberos). The acceptor and initiator cases "
    "come out so against both KDCs (MIT and Samba AD).",
    "check_mapping.c:crypto_system_invalid "
    "check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_NEVER(SEC_E_MAX_REFERRALS_EXCEEDED,
    "Windows' client reports it when reaching the service's realm takes "
    "more cross-realm referrals than it follows. MIT's client stops a "
    "referral loop, or a chain longer than 10 referrals, with "
    "KRB5_KDC_UNREACH, the very code (and text) of an unreachable KDC, "
    "so the condition cannot be told apart and comes out as "
    "SEC_E_NO_AUTHENTICATING_AUTHORITY "
    "(check_mapping.c:max_referrals_exceeded shows it).")
SSPIGSS_DOC_NEVER(SEC_E_MUST_BE_KDC,
    "Only a Windows domain controller's own LSA returns it, to callers "
    "asking for an operation that only the KDC service performs. "
    "sspigss is a client and service library: it never runs as a KDC "
    "and offers no KDC-only operation.")
SSPIGSS_DOC_NEVER(SEC_E_STRONG_CRYPTO_NOT_SUPPORTED,
    "It dates from export-restricted Windows builds without strong "
    "ciphers, when a peer demanded them. MIT krb5 and OpenSSL 3 always "
    "provide strong algorithms; a peer whose enctypes or cipher suites "
    "cannot be matched is SEC_E_KDC_UNKNOWN_ETYPE, "
    "SEC_E_CRYPTO_SYSTEM_INVALID or, for TLS, SEC_E_ALGORITHM_MISMATCH.")
SSPIGSS_DOC_PRODUCED(SEC_E_TOO_MANY_PRINCIPALS,
    "Kerberos",
    "InitializeSecurityContext",
    "The KDC finds more than one entry for a name "
    "(KDC_ERR_PRINCIPAL_NOT_UNIQUE), such as a duplicate SPN in a "
    "directory: the mapper's rule. No real scenario produces it: MIT's "
    "KDC over its own database cannot hold duplicates, and Samba 4.17 "
    "refuses a duplicate SPN when it is added and, with one forced into "
    "its database, answers KDC_ERR_S_PRINCIPAL_UNKNOWN (measured), so "
    "only Windows' own KDC gives it.",
    "check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_NEVER(SEC_E_NO_PA_DATA,
    "Windows' Kerberos client gives it when the KDC asks for "
    "preauthentication without any PA-DATA the client can use (no "
    "ETYPE-INFO2 to choose a key). MIT's client handles that case "
    "itself (it falls back to the default salt) or ends with "
    "KRB5_PREAUTH_FAILED or KDC_ERR_PREAUTH_REQUIRED, which the mapper "
    "reports as SEC_E_UNSUPPORTED_PREAUTH, the code Windows gives for "
    "preauthentication neither side can do; no krb5 code singles out "
    "missing PA-DATA.")
SSPIGSS_DOC_PRODUCED(SEC_E_PKINIT_NAME_MISMATCH,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "Certificate logon (docs/pkinit.md): the KDC refuses the certificate "
    "because its name does not match the client in the request "
    "(KDC_ERR_CLIENT_NAME_MISMATCH, MS-PKCA 3.1.5.2.1); Microsoft's SSPI "
    "status code list gives this code for a certificate without a usable "
    "UPN or one naming another client than the request. Test: a "
    "certificate naming carol only by a Microsoft UPN SAN, which an MIT "
    "KDC does not honour (kdc.conf pkinit_allow_upn off, its default). "
    "Also, before any KDC traffic, a certificate that names no principal "
    "at all (no id-pkinit-san, no UPN).",
    "check_pkinit.c:name_mismatch check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_SMARTCARD_LOGON_REQUIRED,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (explicit credentials, first call)",
    "A password logon to an account that may only log on with a smart "
    "card (per Microsoft's SSPI status code list: smart card logon was "
    "required and not used). MIT: a "
    "principal with +requires_hwauth; its KDC answers "
    "KDC_ERR_PREAUTH_REQUIRED offering only hardware mechanisms (PKINIT "
    "when configured), and MIT's client then fails with EINVAL (PKINIT "
    "installed, no certificate) or KRB5_PREAUTH_FAILED (not installed), "
    "so the library reads the KDC's METHOD-DATA: no password mechanism "
    "(encrypted timestamp or challenge, SPAKE) offered means this code. "
    "An Active Directory KDC names STATUS_SMARTCARD_LOGON_REQUIRED in "
    "the KRB-ERROR's e-data (MS-KILE 2.2.1), which lib/krb_edata.c reads; "
    "Samba 4.17's AD DC sends no NTSTATUS for a smartcard-required "
    "account and offers encrypted timestamp (check_ad.c:account_state: "
    "SEC_E_LOGON_DENIED).",
    "check_pkinit.c:smartcard_logon_required "
    "check_mapping.c:unsupported_preauth check_map_gss.c:hwauth_rule "
    "check_edata.c:ntstatus_mapping")
SSPIGSS_DOC_PRODUCED(SEC_E_SHUTDOWN_IN_PROGRESS,
    "all",
    "every entry point that starts new work (credentials, handshakes, "
    "messages, queries, package enumeration)",
    "The library's destructor has run (process exit or dlclose) while "
    "other threads still call in; releasing calls "
    "(FreeCredentialsHandle, DeleteSecurityContext, FreeContextBuffer) "
    "keep working so nothing leaks. Windows' LSA refuses new work the "
    "same way while it shuts down.",
    "check_kerberos.c:established_context_internal_and_shutdown "
    "check_api.c:shutdown_in_progress")
SSPIGSS_DOC_PRODUCED(SEC_E_KDC_INVALID_REQUEST,
    "Kerberos",
    "InitializeSecurityContext",
    "The KDC rejects options or fields of the request (KDC_ERR_BADOPTION, "
    "KDC_ERR_BAD_PVNO, KRB_ERR_FIELD_TOOLONG): the mapper's rules. A "
    "service's constrained delegation (S4U2Proxy: credentials acquired "
    "while impersonating a client who delegated nothing) to a service "
    "the KDC may not delegate to is KDC_ERR_BADOPTION; an AD KDC adds "
    "STATUS_NOT_SUPPORTED or STATUS_NO_MATCH ([MS-SFU] 3.2.5.2.2), which "
    "MIT's GSS-API does not pass on from a TGS reply.",
    "check_ad.c:constrained_delegation_refused "
    "check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_NEVER(SEC_E_KDC_UNABLE_TO_REFER,
    "Windows' client reports it when the KDC finds no referral path to "
    "the service's realm. MIT's KDC says nothing that tells this apart: "
    "without a key towards the realm it answers that the service, then "
    "the krbtgt towards that realm, is unknown "
    "(KDC_ERR_S_PRINCIPAL_UNKNOWN), which is SEC_E_TARGET_UNKNOWN "
    "(check_mapping.c:kdc_unable_to_refer shows it).")
SSPIGSS_DOC_PRODUCED(SEC_E_KDC_UNKNOWN_ETYPE,
    "Kerberos",
    "InitializeSecurityContext",
    "The KDC shares no encryption type with the request "
    "(KDC_ERR_ETYPE_NOSUPP): the enctypes krb5.conf allows and the keys "
    "of the client or service account do not overlap; so against both "
    "KDCs (MIT and Samba AD).",
    "check_mapping.c:kdc_unknown_etype check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_UNSUPPORTED_PREAUTH,
    "Kerberos",
    "InitializeSecurityContext (explicit credentials)",
    "The KDC requires preauthentication the client cannot perform: "
    "every client mechanism disabled (MIT's client gives up with "
    "KRB5_PREAUTH_FAILED, or KDC_ERR_PREAUTH_REQUIRED is the final "
    "answer); or one side does not support the type offered "
    "(KDC_ERR_PADATA_TYPE_NOSUPP, KRB5_PREAUTH_BAD_TYPE, "
    "KRB5_PREAUTH_NO_KEY). Every client mechanism disabled comes out so "
    "against both KDCs (MIT and Samba AD). A KDC that offers only "
    "hardware preauthentication to a password is "
    "SEC_E_SMARTCARD_LOGON_REQUIRED instead.",
    "check_mapping.c:unsupported_preauth "
    "check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_DELEGATION_REQUIRED,
    "Kerberos",
    "InitializeSecurityContext (the second hop)",
    "A service impersonates a client that delegated no credentials "
    "(no ISC_REQ_DELEGATE, or a TGT that is not forwardable), acquires "
    "outbound credentials without an identity, and tries to reach "
    "another service as the client: the classic double-hop failure, "
    "which Windows reports with this code. Constrained delegation "
    "(S4U2Proxy) refusals are not reached yet: no SSPI call here asks "
    "for S4U (Active Directory issue #13).",
    "check_kerberos.c:delegation_required "
    "check_kerberos.c:impersonate_delegated_double_hop")
SSPIGSS_DOC_PRODUCED(SEC_E_BAD_BINDINGS,
    "Kerberos, NTLM, Negotiate",
    "AcceptSecurityContext, InitializeSecurityContext",
    "The channel bindings the client and the server were given differ, "
    "for example TLS bindings of two different connections with a TLS "
    "terminator in between: MIT's GSS_S_BAD_BINDINGS at the Kerberos "
    "acceptor; gss-ntlmssp's acceptor reports a bindings hash that does "
    "not match as a defective token with EACCES, which the mapper reads "
    "as this code (lib/map_gss.c). Also a SECBUFFER_CHANNEL_BINDINGS "
    "buffer whose offsets point outside it.",
    "check_kerberos.c:handshake_channel_bindings "
    "check_kerberos.c:handshake_malformed_bindings "
    "check_ntlm.c:channel_bindings check_map_gss.c:rules_beyond_the_minor")
SSPIGSS_DOC_LATER(SEC_E_MULTIPLE_ACCOUNTS, "PKINIT/smartcard", 11,
    "A certificate logon whose certificate maps to more than one account "
    "(Active Directory's certificate mapping); needs PKINIT against an "
    "Active Directory KDC.")
SSPIGSS_DOC_PRODUCED(SEC_E_NO_KERB_KEY,
    "Kerberos",
    "AcceptSecurityContext",
    "The service's keytab has no key of the ticket's principal, key "
    "version or enctype (KRB5_KT_NOTFOUND, KRB5_KT_KVNONOTFOUND, "
    "KRB5KRB_AP_ERR_BADKEYVER, KRB5KRB_AP_ERR_NOKEY), typically after "
    "the service's key changed and the keytab was not refreshed; so "
    "against both KDCs (MIT and Samba AD), a stale kvno and a missing "
    "enctype alike.",
    "check_mapping.c:no_kerb_key "
    "check_map_gss.c:minor_refines_by_operation "
    "check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_CERT_WRONG_USAGE,
    "Schannel",
    "InitializeSecurityContext",
    "The server certificate's key usage or extended key usage does not "
    "allow a server (OpenSSL's invalid-purpose result), for example a "
    "client certificate presented by a server.",
    "check_schannel.c:server_certificates check_map_gss.c:tls_rules")
SSPIGSS_DOC_PRODUCED(SEC_E_DOWNGRADE_DETECTED,
    "Negotiate",
    "InitializeSecurityContext (first call)",
    "Kerberos cannot be used because no KDC answers, and the identity's "
    "PackageList excludes NTLM: Negotiate refuses to fall back. [ms] "
    "notes that the code \"can be generated simply due to lack of "
    "connectivity to a domain controller\"; dotnet/corefx#11708 records "
    "Windows' Negotiate returning it from InitializeSecurityContext when "
    "Kerberos failed that way (Microsoft KB 2522623). A stripped or "
    "altered SPNEGO mechListMIC is SEC_E_MESSAGE_ALTERED instead "
    "(docs/negotiate.md): no Windows evidence ties this code to it.",
    "check_negotiate.c:package_list_without_ntlm "
    "check_kdc_faults.c:negotiate_down")
SSPIGSS_DOC_PRODUCED(SEC_E_SMARTCARD_CERT_REVOKED,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The smart card's certificate is revoked (Microsoft's SSPI "
    "status code list: the card's certificate was revoked): the KDC "
    "finds it in a CRL it holds (kdc.conf pkinit_revoke) and answers "
    "KDC_ERR_REVOKED_CERTIFICATE; also the client's own check, when it "
    "refuses to sign with a revoked certificate (MIT's trace: \"Failed "
    "to verify own certificate ... certificate revoked\").",
    "check_pkinit.c:revoked_client_cert check_map_gss.c:every_pkinit_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_ISSUING_CA_UNTRUSTED,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The smart card's certificate comes from a CA the KDC does not trust "
    "(Microsoft's SSPI status code list: an untrusted CA in the card "
    "certificate's chain): its chain does not end in the KDC's "
    "pkinit_anchors, KDC_ERR_CANT_VERIFY_CERTIFICATE; or the client "
    "cannot build its own certificate's chain from its anchors (MIT's "
    "trace: \"Failed to verify own certificate ... unable to get local "
    "issuer certificate\").",
    "check_pkinit.c:untrusted_client_ca check_map_gss.c:every_pkinit_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_REVOCATION_OFFLINE_C,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The KDC cannot learn the revocation status of the smart card's "
    "certificate (Microsoft's SSPI status code list: the card "
    "certificate's revocation status could not be decided): kdc.conf "
    "pkinit_require_crl_checking = true and no CRL of the certificate's "
    "CA in pkinit_revoke; KDC_ERR_REVOCATION_STATUS_UNKNOWN (and "
    "_UNAVAILABLE, which MIT's KDC never sends).",
    "check_pkinit.c:client_crl_missing check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_PKINIT_CLIENT_FAILURE,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The KDC refuses the smart card's certificate for any other reason "
    "(Microsoft's SSPI status code list: the card's certificate is not "
    "trusted): not for PKINIT client authentication (no "
    "id-pkinit-KPClientAuth or smart card logon EKU with kdc.conf "
    "pkinit_eku_checking = kpClientAuth, the default): "
    "KDC_ERR_INCONSISTENT_KEY_PURPOSE, the test; likewise "
    "KDC_ERR_CLIENT_NOT_TRUSTED, KDC_ERR_INVALID_CERTIFICATE, "
    "KDC_ERR_INVALID_SIG, KDC_ERR_CERTIFICATE_MISMATCH and the refused "
    "digest and DH parameter codes (RFC 4556 3.2.3, MS-PKCA 3.1.5.2).",
    "check_pkinit.c:no_pkinit_eku check_map_gss.c:every_minor_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_SMARTCARD_CERT_EXPIRED,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The smart card's certificate has expired (Microsoft's SSPI "
    "status code list gives this code for it). MIT's client "
    "refuses to sign with it before any request goes out and returns "
    "KDC_ERR_PREAUTH_FAILED (the code of a wrong password); the reason, "
    "\"Failed to verify own certificate ... certificate has expired\", "
    "is read from the krb5 trace (lib/krb_creds.c, map_pkinit). An MIT "
    "KDC that receives one answers KDC_ERR_INVALID_CERTIFICATE "
    "(SEC_E_PKINIT_CLIENT_FAILURE).",
    "check_pkinit.c:expired_client_cert "
    "check_map_gss.c:every_pkinit_rule")
SSPIGSS_DOC_NEVER(SEC_E_NO_S4U_PROT_SUPPORT,
    "Windows reports it when a service asks for S4U (protocol transition "
    "or constrained delegation) and the KDC has no S4U support "
    "(STATUS_NO_S4U_PROT_SUPPORT). Every KDC a Linux service meets "
    "supports S4U (MIT 1.8 and later, Samba, AD since 2003). MIT's client "
    "reports a KDC that ignores an S4U2Proxy request as "
    "KRB5_KDCREP_MODIFIED, the code of a tampered KDC reply, so the two "
    "cannot be told apart; constrained delegation itself works "
    "(check_ad.c:constrained_delegation), and a refusal is "
    "SEC_E_KDC_INVALID_REQUEST.")
SSPIGSS_DOC_NEVER(SEC_E_CROSSREALM_DELEGATION_FAILURE,
    "An AD KDC refuses classic constrained delegation to a service in "
    "another realm with KDC_ERR_POLICY and the NTSTATUS "
    "STATUS_CROSSREALM_DELEGATION_FAILURE in the error data. The "
    "S4U2Proxy request comes from MIT's GSS-API (gss_init_sec_context "
    "with the service's proxy credential), which returns the krb5 code "
    "alone and not a TGS reply's error data (inside FAST armor besides), "
    "so the refusal is reported by what the mapper makes of "
    "KDC_ERR_POLICY alone (a rule with no finer reason than "
    "SEC_E_INTERNAL_ERROR today). Resource-based delegation across "
    "realms has no such refusal.")
SSPIGSS_DOC_PRODUCED(SEC_E_REVOCATION_OFFLINE_KDC,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The client cannot learn the revocation status of the KDC's "
    "certificate (Microsoft's SSPI status code list: the domain "
    "controller certificate's revocation status could not be decided): "
    "krb5.conf pkinit_require_crl_checking = true and no "
    "CRL of the KDC's CA in pkinit_revoke. MIT's client records "
    "KDC_ERR_REVOCATION_STATUS_UNKNOWN for the reply only in its trace "
    "and fails with what it tried next; the library reads the trace.",
    "check_pkinit.c:kdc_crl_missing check_map_gss.c:every_pkinit_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_ISSUING_CA_UNTRUSTED_KDC,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The client does not trust the CA of the KDC's certificate (Microsoft's "
    "SSPI status code list: an untrusted CA in the domain controller "
    "certificate's chain): not in "
    "krb5.conf pkinit_anchors. Read from the krb5 trace (\"Failed to "
    "verify received certificate ... unable to get local issuer "
    "certificate\", KDC_ERR_CANT_VERIFY_CERTIFICATE); also a KDC that "
    "says KDC_ERR_KDC_NOT_TRUSTED.",
    "check_pkinit.c:untrusted_kdc_ca check_map_gss.c:every_pkinit_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_KDC_CERT_EXPIRED,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The KDC's certificate has expired (Microsoft's SSPI status "
    "code list gives this code for it), by the "
    "client's clock. An MIT KDC will not sign with an expired "
    "certificate, so the test moves the client's clock five days past "
    "the end of the KDC's two-day certificate (libfaketime; the KDC "
    "allows that much clock skew). Read from the krb5 trace "
    "(KDC_ERR_INVALID_CERTIFICATE with \"certificate has expired\"). "
    "Not run in the sanitizer pass (libfaketime deadlocks with ASan).",
    "check_pkinit.c:expired_kdc_cert check_map_gss.c:pkinit_precedence")
SSPIGSS_DOC_PRODUCED(SEC_E_KDC_CERT_REVOKED,
    "Kerberos, Negotiate",
    "InitializeSecurityContext (certificate credential, first call)",
    "The KDC's certificate is revoked (Microsoft's SSPI status "
    "code list gives this code for it): in a CRL "
    "the client holds (krb5.conf pkinit_revoke). Read from the krb5 "
    "trace (\"Failed to verify received certificate ... certificate "
    "revoked\", KDC_ERR_REVOKED_CERTIFICATE for the reply).",
    "check_pkinit.c:revoked_kdc_cert check_map_gss.c:every_pkinit_rule")
SSPIGSS_DOC_PRODUCED(SEC_E_INVALID_PARAMETER,
    "all; Kerberos",
    "entry points with strings or output pointers",
    "A string that is not valid UTF-8 (A entry points) or UTF-16 (W), "
    "such as unpaired surrogates or overlong forms; a required output "
    "pointer that is NULL (EnumerateSecurityPackages, "
    "QuerySecurityPackageInfo, QueryContextAttributes, "
    "QueryCredentialsAttributes, ExportSecurityContext, "
    "QuerySecurityContextToken); SetContextAttributes with a size but no "
    "buffer. Our choice where Windows' answer is not recorded "
    "(docs/api.md).",
    "check_packages.c:enumerate_null_arguments "
    "check_packages.c:query_unknown check_kerberos.c:attributes_unsupported "
    "check_api.c:acquire_credentials check_unicode.c:malformed_utf8_rejected "
    "check_unicode.c:malformed_utf16_rejected")
SSPIGSS_DOC_NEVER(SEC_E_DELEGATION_POLICY,
    "Windows' CredSSP (the package Remote Desktop uses) refuses with it "
    "to hand the user's credentials to a server the Credentials "
    "Delegation policy does not list ([ms], InitializeSecurityContext "
    "(CredSSP)). sspigss has no CredSSP package and no such policy; "
    "Kerberos delegation the KDC does not allow just leaves "
    "ISC_RET_DELEGATE clear.")
SSPIGSS_DOC_NEVER(SEC_E_POLICY_NLTM_ONLY,
    "Windows' CredSSP refuses with it to delegate credentials to a "
    "server that could be authenticated only with NTLM ([ms], "
    "InitializeSecurityContext (CredSSP)). sspigss has no CredSSP "
    "package.")
SSPIGSS_DOC_NEVER(SEC_E_NO_CONTEXT,
    "Windows uses it when the security system finds no context for a "
    "request (its LSA-side half is gone). Every sspigss context lives in "
    "the calling process, and a context that does not exist is a handle "
    "that does not resolve: SEC_E_INVALID_HANDLE, as Windows' own "
    "user-mode calls report it.")
SSPIGSS_DOC_NEVER(SEC_E_PKU2U_CERT_FAILURE,
    "Only Windows' PKU2U package (peer-to-peer certificate logon between "
    "Microsoft Entra-joined machines) returns it. Linux has no PKU2U and "
    "no package here speaks it.")
SSPIGSS_DOC_NEVER(SEC_E_MUTUAL_AUTH_FAILED,
    "[ms] documents it for CredSSP, which sspigss does not provide: "
    "ISC_REQ_MUTUAL_AUTH demanded and the server not authenticated. "
    "Negotiate and NTLM complete an NTLM exchange without mutual "
    "authentication, as Windows' do; the Kerberos package reports an "
    "AP-REP that fails verification as SEC_E_INVALID_TOKEN.")
SSPIGSS_DOC_NEVER(SEC_E_ONLY_HTTPS_ALLOWED,
    "Windows returns it when a package that may only run over HTTPS (web "
    "and cloud sign-in) is used for a plain-HTTP target. sspigss "
    "packages never learn the transport of the tokens they make, so none "
    "can make that check.")
SSPIGSS_DOC_PRODUCED(SEC_E_APPLICATION_PROTOCOL_MISMATCH,
    "Schannel",
    "InitializeSecurityContext, AcceptSecurityContext",
    "The peer's no_application_protocol alert ([alerts]): "
    "lib/map_tls.c; a server that shares none of the protocols of the "
    "client's SECBUFFER_APPLICATION_PROTOCOLS and refuses.",
    "check_map_gss.c:tls_rules check_schannel.c:client_alpn")
SSPIGSS_DOC_NEVER(SEC_E_INVALID_UPN_NAME,
    "Windows returns it from its newer logon paths when a user name is "
    "not a well-formed user principal name. sspigss parses user names "
    "itself in every form Windows accepts (docs/kerberos.md), and a name "
    "it cannot use is refused at AcquireCredentialsHandle as "
    "SEC_E_UNKNOWN_CREDENTIALS, which is what Windows' Kerberos package "
    "answers for an unusable identity.")
SSPIGSS_DOC_LATER(SEC_E_EXT_BUFFER_TOO_SMALL, "Schannel", 7,
    "The buffer the caller gave for subscribed TLS extensions cannot hold "
    "the extension data that arrived; arrives with the same subscription "
    "support as SEC_I_GENERIC_EXTENSION_RECEIVED.")
SSPIGSS_DOC_LATER(SEC_E_INSUFFICIENT_BUFFERS, "Schannel", 7,
    "If the Schannel package follows recent Windows: EncryptMessage or "
    "DecryptMessage with a descriptor lacking the buffers a TLS record "
    "needs (STREAM_HEADER, DATA, STREAM_TRAILER). The Kerberos package "
    "answers missing buffers with SEC_E_INVALID_TOKEN, as Windows' "
    "Kerberos and NTLM do ([wine] ntlm.c).")

/* Aliases: the same value as a primary row. */
SSPIGSS_DOC_PRODUCED(CRYPT_E_REVOKED,
    "Schannel",
    "InitializeSecurityContext, DecryptMessage",
    "The server's certificate, or one of its chain, is in its issuer's "
    "CRL and the credential asked for revocation checking "
    "(SCH_CRED_REVOCATION_CHECK_*): Windows' Schannel returns the chain "
    "engine's code as it is (curl reports it: curl issues 3727 and 14315, "
    "pull request 12241); or the peer's certificate_revoked alert "
    "([alerts]).",
    "check_schannel.c:server_certificate_revoked "
    "check_schannel.c:client_certificate_refused "
    "check_schannel_server.c:revocation check_map_gss.c:tls_rules")
SSPIGSS_DOC_PRODUCED(CRYPT_E_NO_REVOCATION_CHECK,
    "Schannel",
    "InitializeSecurityContext",
    "Revocation checking asked for and no CRL found for a certificate of "
    "the chain (in SSL_CERT_FILE or SSL_CERT_DIR), unless "
    "SCH_CRED_IGNORE_NO_REVOCATION_CHECK (curl, as for CRYPT_E_REVOKED).",
    "check_schannel_server.c:revocation")
SSPIGSS_DOC_PRODUCED(CRYPT_E_REVOCATION_OFFLINE,
    "Schannel",
    "InitializeSecurityContext",
    "Revocation checking asked for and the CRL found is out of date, the "
    "nearest thing here to Windows' unreachable revocation server, unless "
    "SCH_CRED_IGNORE_REVOCATION_OFFLINE (curl, as for CRYPT_E_REVOKED).",
    "check_schannel_server.c:revocation")
SSPIGSS_DOC_PRODUCED(SEC_E_NOT_SUPPORTED,
    "as SEC_E_UNSUPPORTED_FUNCTION",
    "as SEC_E_UNSUPPORTED_FUNCTION",
    "The older name of SEC_E_UNSUPPORTED_FUNCTION's value: every case "
    "listed there returns it. sspigss_status_name() gives the value's "
    "newer name.",
    "check_api.c:credential_calls_without_package_support "
    "check_packages.c:reserved_slots_answer_unsupported "
    "check_kerberos.c:attributes_unsupported "
    "check_kerberos.c:no_confidentiality")
SSPIGSS_DOC_PRODUCED(SEC_E_NO_SPM,
    "as SEC_E_INTERNAL_ERROR",
    "as SEC_E_INTERNAL_ERROR",
    "The older name of SEC_E_INTERNAL_ERROR's value: every case listed "
    "there returns it. Its first meaning, a security package manager "
    "that cannot be reached, cannot arise: there is no such process on "
    "Linux.",
    "check_api.c:context_calls_without_package_support "
    "check_map_gss.c:routine_defaults")
