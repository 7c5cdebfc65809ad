/*
 * status_table.h - every SSPI status code, listed once.
 *
 * An X-macro list: no include guard and no code of its own. Define both
 * macros before including it, and #undef them afterwards:
 *
 *   SSPIGSS_STATUS(symbol, value, ref, english, japanese)
 *       one row per distinct value;
 *   SSPIGSS_STATUS_ALIAS(alias_symbol, primary_symbol, ref, english,
 *                        japanese)
 *       a second Windows name for the value of a primary row.
 *
 * symbol    the name exactly as Windows spells it (winerror.h).
 * value     the code as an 8-digit hex literal. Its C type is unsigned
 *           int: cast it to HRESULT or SECURITY_STATUS before comparing.
 * ref       1 when the name is one of the 77 codes of the project's
 *           reference list (Microsoft's "SSPI Status Codes" table,
 *           reference/sspi-status-codes.ja.md), 0 otherwise.
 * english, japanese
 *           one or two sentences in UTF-8 for the caller: what the code
 *           means when this library returns it, and what to do. Written
 *           for this project; Windows' own wording is not reproduced. A
 *           message may be split into adjacent string literals.
 *
 * Coverage: every SEC_E_ and SEC_I_ name of the Windows SDK's winerror.h.
 * The values were checked against mingw-w64's winerror.h and against
 * golang.org/x/sys/windows/zerrors_windows.go, which is generated from the
 * SDK header; both have the same 95 names and nothing above 0x8009036B.
 * Numbers missing from the sequence (0x80090319-0x8009031F,
 * 0x8009032A-0x8009032F, 0x80090344, ...) have no SEC_ name in winerror.h.
 *
 * Order: primary rows by value (SEC_E_OK, the SEC_I_ codes, then the SEC_E_
 * codes, then the three CRYPT_E_ codes Schannel also returns), aliases
 * last. include/sspigss/secstatus.h has one #define per SEC_ row, in the
 * same order, with the same value; the CRYPT_E_ ones are in
 * <sspigss/wincrypt.h>.
 */

/* SSPIGSS_STATUS(symbol, value, ref, english, japanese) */

/* Success. */
SSPIGSS_STATUS(SEC_E_OK, 0x00000000, 1,
    "The call succeeded. From InitializeSecurityContext or "
    "AcceptSecurityContext it means the context is established; still send "
    "any output token to the peer.",
    "呼び出しは成功しました。InitializeSecurityContext や "
    "AcceptSecurityContext の場合はセキュリティ コンテキストの確立が完了して"
    "います。出力トークンがあれば相手に送信してください。")

/* Informational: the call succeeded but asks the caller to act. */
SSPIGSS_STATUS(SEC_I_CONTINUE_NEEDED, 0x00090312, 1,
    "Negotiation is not finished: send the output token to the peer, then "
    "call again with the peer's reply as input.",
    "ネゴシエーションはまだ完了していません。出力トークンを相手に送信し、相手"
    "からの応答を入力として再度呼び出してください。")
SSPIGSS_STATUS(SEC_I_COMPLETE_NEEDED, 0x00090313, 1,
    "The call succeeded, but CompleteAuthToken must be applied to the output "
    "before the token is sent. No further handshake call is needed.",
    "呼び出しは成功しましたが、トークンを送信する前に出力に対して "
    "CompleteAuthToken を呼び出す必要があります。ハンドシェイクの呼び出しをこ"
    "れ以上繰り返す必要はありません。")
SSPIGSS_STATUS(SEC_I_COMPLETE_AND_CONTINUE, 0x00090314, 1,
    "Apply CompleteAuthToken to the output, send the token to the peer, then "
    "call again with the peer's reply.",
    "出力に対して CompleteAuthToken を呼び出してからトークンを相手に送信し、"
    "その後、相手の応答を入力として再度呼び出してください。")
SSPIGSS_STATUS(SEC_I_LOCAL_LOGON, 0x00090315, 1,
    "The logon succeeded with locally cached information because no "
    "authentication server could be reached.",
    "認証サーバーに接続できなかったため、ローカルに保存されている情報を使って"
    "ログオンしました。")
SSPIGSS_STATUS(SEC_I_GENERIC_EXTENSION_RECEIVED, 0x00090316, 0,
    "The call succeeded and a TLS extension the caller subscribed to was "
    "received; its data is in the matching output buffer.",
    "呼び出しは成功し、受信を登録していた TLS 拡張が届きました。その内容は対"
    "応する出力バッファーに格納されています。")
SSPIGSS_STATUS(SEC_I_CONTEXT_EXPIRED, 0x00090317, 1,
    "The peer has closed the connection (for TLS, a close_notify alert "
    "arrived). Finish the shutdown and stop using the context for data.",
    "相手側が接続を閉じました (TLS では close_notify アラートを受信しまし"
    "た)。シャットダウン処理を完了し、このコンテキストでのデータの送受信をや"
    "めてください。")
SSPIGSS_STATUS(SEC_I_INCOMPLETE_CREDENTIALS, 0x00090320, 1,
    "The server asked for a client certificate that these credentials lack. "
    "Acquire credentials with a certificate, or call again as is to go on "
    "without one.",
    "サーバーがクライアント証明書を要求しましたが、この資格情報には含まれてい"
    "ません。証明書を含む資格情報を取得し直すか、そのまま再度呼び出して証明書"
    "なしで続行してください。")
SSPIGSS_STATUS(SEC_I_RENEGOTIATE, 0x00090321, 1,
    "The peer started a new handshake or sent a post-handshake message. Pass "
    "the extra data to the handshake function and call it until it returns "
    "SEC_E_OK.",
    "相手側が新しいハンドシェイクを開始したか、ハンドシェイク後のメッセージを"
    "送ってきました。残りのデータをハンドシェイク関数に渡し、SEC_E_OK が返る"
    "まで呼び出してください。")
SSPIGSS_STATUS(SEC_I_NO_LSA_CONTEXT, 0x00090323, 1,
    "The package keeps this context entirely in the caller's process; there "
    "is no matching context in the Local Security Authority.",
    "このコンテキストは呼び出し元のプロセス内だけで管理されており、ローカル "
    "セキュリティ機関 (LSA) 側に対応するコンテキストはありません。")
SSPIGSS_STATUS(SEC_I_SIGNATURE_NEEDED, 0x0009035C, 0,
    "A signing operation, for example with a smart card key, must be "
    "performed before authentication can continue.",
    "認証を続行する前に、署名操作 (スマート カードの鍵による署名など) を行う"
    "必要があります。")
SSPIGSS_STATUS(SEC_I_NO_RENEGOTIATION, 0x00090360, 0,
    "The peer declined to renegotiate; the existing session stays in use.",
    "相手側が再ネゴシエーションを断りました。既存のセッションが引き続き使用さ"
    "れます。")
SSPIGSS_STATUS(SEC_I_MESSAGE_FRAGMENT, 0x00090364, 0,
    "The output holds only part of a handshake message. Send it, then call "
    "again to obtain the next fragment.",
    "出力にはハンドシェイク メッセージの一部だけが含まれています。送信した"
    "後、再度呼び出して次の断片を取得してください。")
SSPIGSS_STATUS(SEC_I_CONTINUE_NEEDED_MESSAGE_OK, 0x00090366, 0,
    "The handshake must continue as for SEC_I_CONTINUE_NEEDED, but "
    "application data may already be exchanged over the context.",
    "SEC_I_CONTINUE_NEEDED と同様にハンドシェイクを続ける必要がありますが、こ"
    "のコンテキストでは既にアプリケーション データを送受信できます。")
SSPIGSS_STATUS(SEC_I_ASYNC_CALL_PENDING, 0x00090368, 0,
    "The operation was started asynchronously and has not finished; wait for "
    "its completion before using the results.",
    "操作は非同期に開始され、まだ終わっていません。結果を使う前に完了を待って"
    "ください。")

/* Errors. */
SSPIGSS_STATUS(SEC_E_INSUFFICIENT_MEMORY, 0x80090300, 1,
    "The library could not allocate the memory this call needs.",
    "この呼び出しに必要なメモリを確保できませんでした。")
SSPIGSS_STATUS(SEC_E_INVALID_HANDLE, 0x80090301, 1,
    "The credential or context handle is not valid: it was never acquired, "
    "was already freed or deleted, or is of the wrong kind.",
    "資格情報ハンドルまたはコンテキスト ハンドルが無効です。取得されていない"
    "か、既に解放または削除されたか、種類の異なるハンドルです。")
SSPIGSS_STATUS(SEC_E_UNSUPPORTED_FUNCTION, 0x80090302, 1,
    "The security package does not implement this function or the requested "
    "option.",
    "このセキュリティ パッケージは、この関数または要求されたオプションを実装"
    "していません。")
SSPIGSS_STATUS(SEC_E_TARGET_UNKNOWN, 0x80090303, 1,
    "The target name does not resolve to a known service; with Kerberos, the "
    "KDC has no principal for this SPN.",
    "ターゲット名を既知のサービスに解決できません。Kerberos の場合、この SPN "
    "に対応するプリンシパルが KDC に登録されていません。")
SSPIGSS_STATUS(SEC_E_INTERNAL_ERROR, 0x80090304, 1,
    "An internal failure occurred that has no more specific status code. The "
    "SSPIGSS_TRACE log shows the underlying GSSAPI, Kerberos or OpenSSL "
    "error.",
    "より適切な状態コードのない内部エラーが発生しました。元になった GSSAPI、"
    "Kerberos、OpenSSL のエラーは SSPIGSS_TRACE のログで確認できます。")
SSPIGSS_STATUS(SEC_E_SECPKG_NOT_FOUND, 0x80090305, 1,
    "No security package with the requested name is available.",
    "指定された名前のセキュリティ パッケージは利用できません。")
SSPIGSS_STATUS(SEC_E_NOT_OWNER, 0x80090306, 1,
    "The caller does not own the credentials it asked to use.",
    "呼び出し元は、使用しようとした資格情報の所有者ではありません。")
SSPIGSS_STATUS(SEC_E_CANNOT_INSTALL, 0x80090307, 1,
    "A security package failed to initialize and could not be loaded.",
    "セキュリティ パッケージの初期化に失敗したため、読み込めませんでした。")
SSPIGSS_STATUS(SEC_E_INVALID_TOKEN, 0x80090308, 1,
    "The input token is malformed, truncated, or not meant for this package "
    "or step; the peer may be speaking another protocol.",
    "入力トークンの形式が正しくないか、途中で切れているか、このパッケージやこ"
    "の段階向けのものではありません。相手側が別のプロトコルを使っている可能性"
    "があります。")
SSPIGSS_STATUS(SEC_E_CANNOT_PACK, 0x80090309, 1,
    "The package could not serialize the context, so it cannot be exported.",
    "パッケージがコンテキストをシリアル化できなかったため、エクスポートできま"
    "せん。")
SSPIGSS_STATUS(SEC_E_QOP_NOT_SUPPORTED, 0x8009030A, 1,
    "This package cannot honour the fQOP value given to MakeSignature, "
    "EncryptMessage or a similar call.",
    "MakeSignature や EncryptMessage などに指定された fQOP の値を、このパッ"
    "ケージは扱えません。")
SSPIGSS_STATUS(SEC_E_NO_IMPERSONATION, 0x8009030B, 1,
    "The client cannot be impersonated through this context, for example "
    "because the client did not allow it.",
    "このコンテキストを通じてクライアントを偽装することはできません。クライア"
    "ントが偽装を認めていない場合などです。")
SSPIGSS_STATUS(SEC_E_LOGON_DENIED, 0x8009030C, 1,
    "The credentials were rejected, for example a wrong password or an "
    "unknown or disabled account. Listed as obsolete, yet still returned for "
    "these failures.",
    "資格情報が拒否されました。パスワードの誤りや、存在しないアカウント、無効"
    "化されたアカウントなどが原因です。廃止と記載されていますが、現在もこれら"
    "の失敗に対して返されます。")
SSPIGSS_STATUS(SEC_E_UNKNOWN_CREDENTIALS, 0x8009030D, 1,
    "The supplied credentials cannot be used by this package: wrong format, a "
    "missing key or certificate, or an unknown principal.",
    "指定された資格情報をこのパッケージでは使用できません。形式の誤り、鍵や証"
    "明書の欠落、または不明なプリンシパルが考えられます。")
SSPIGSS_STATUS(SEC_E_NO_CREDENTIALS, 0x8009030E, 1,
    "No usable credentials were found; with Kerberos, the credential cache is "
    "empty or its tickets have expired (run kinit).",
    "使用できる資格情報が見つかりません。Kerberos の場合、資格情報キャッシュ"
    "が空であるか、チケットの有効期限が切れています (kinit を実行してくださ"
    "い)。")
SSPIGSS_STATUS(SEC_E_MESSAGE_ALTERED, 0x8009030F, 1,
    "The integrity check failed: the message or its signature was changed in "
    "transit, or another context or key was used.",
    "整合性チェックに失敗しました。メッセージまたは署名が転送中に改変された"
    "か、別のコンテキストや鍵が使われました。")
SSPIGSS_STATUS(SEC_E_OUT_OF_SEQUENCE, 0x80090310, 1,
    "The message arrived out of order: its sequence number shows a replay or "
    "duplicate, or that an earlier message was lost.",
    "メッセージの順番が正しくありません。シーケンス番号から、再送や重複、また"
    "は前のメッセージの欠落が検出されました。")
SSPIGSS_STATUS(SEC_E_NO_AUTHENTICATING_AUTHORITY, 0x80090311, 1,
    "No authentication server could be reached; with Kerberos, no KDC of the "
    "realm answered (check DNS, krb5.conf and the network).",
    "認証サーバーに接続できませんでした。Kerberos の場合、そのレルムの KDC か"
    "ら応答がありません (DNS、krb5.conf、ネットワークを確認してください)。")
SSPIGSS_STATUS(SEC_E_BAD_PKGID, 0x80090316, 1,
    "No installed security package matches the given package identifier.",
    "指定されたパッケージ ID に一致するセキュリティ パッケージはインストール"
    "されていません。")
SSPIGSS_STATUS(SEC_E_CONTEXT_EXPIRED, 0x80090317, 1,
    "The security context can no longer be used: its lifetime (for Kerberos, "
    "the ticket's) has ended or it was shut down. Establish a new one.",
    "セキュリティ コンテキストはもう使用できません。有効期間 (Kerberos ではチ"
    "ケットの有効期間) が終了したか、シャットダウンされています。新しいコンテ"
    "キストを確立してください。")
SSPIGSS_STATUS(SEC_E_INCOMPLETE_MESSAGE, 0x80090318, 1,
    "More input bytes are needed. Read more data from the peer and call again "
    "with the same data plus the new bytes.",
    "入力データが足りません。相手からさらにデータを受信し、同じデータに新しい"
    "バイトを加えて再度呼び出してください。")
SSPIGSS_STATUS(SEC_E_INCOMPLETE_CREDENTIALS, 0x80090320, 1,
    "The credentials lack something the peer requires, such as a client "
    "certificate, so the context could not be created.",
    "資格情報に、相手側が必要とする要素 (クライアント証明書など) が含まれてい"
    "ないため、コンテキストを作成できませんでした。")
SSPIGSS_STATUS(SEC_E_BUFFER_TOO_SMALL, 0x80090321, 1,
    "A buffer is too small for the result. Use the sizes from "
    "QueryContextAttributes (SECPKG_ATTR_SIZES) or let the package allocate "
    "the output.",
    "バッファーが小さすぎて結果を格納できません。QueryContextAttributes "
    "(SECPKG_ATTR_SIZES) で得たサイズを使うか、出力の割り当てをパッケージに任"
    "せてください。")
SSPIGSS_STATUS(SEC_E_WRONG_PRINCIPAL, 0x80090322, 1,
    "The peer is not the principal that was named: the target name (SPN or "
    "TLS host name) does not match the server's identity or key.",
    "相手側は指定されたプリンシパルではありません。ターゲット名 (SPN または "
    "TLS のホスト名) がサーバーの ID または鍵と一致しません。")
SSPIGSS_STATUS(SEC_E_TIME_SKEW, 0x80090324, 1,
    "The clocks of client and server (or KDC) differ by more than the allowed "
    "skew, usually five minutes. Synchronize the clocks.",
    "クライアントとサーバー (または KDC) の時刻の差が許容範囲 (通常は 5 分) "
    "を超えています。時刻を同期してください。")
SSPIGSS_STATUS(SEC_E_UNTRUSTED_ROOT, 0x80090325, 1,
    "The certificate chain does not lead to a trusted root CA. Add the "
    "issuing CA to the trust store or check the chain the peer sends.",
    "証明書チェーンが信頼されたルート証明機関までたどれません。発行元の CA を"
    "信頼ストアに追加するか、相手側が送る証明書チェーンを確認してください。")
SSPIGSS_STATUS(SEC_E_ILLEGAL_MESSAGE, 0x80090326, 1,
    "The peer sent a message that breaks the protocol or is not expected at "
    "this point. For TLS, it is also returned when the peer aborts with a "
    "fatal alert.",
    "相手側から、プロトコルに違反している、またはこの時点では想定されていない"
    "メッセージを受信しました。TLS では、相手側が致命的なアラートで中断した場"
    "合にも返されます。")
SSPIGSS_STATUS(SEC_E_CERT_UNKNOWN, 0x80090327, 1,
    "A certificate could not be processed for an unspecified reason, such as "
    "a parsing failure or an unsupported feature.",
    "証明書を処理できませんでした。解析の失敗やサポートされていない機能など、"
    "特定できない理由によるものです。")
SSPIGSS_STATUS(SEC_E_CERT_EXPIRED, 0x80090328, 1,
    "A certificate in the chain is outside its validity period (expired or "
    "not yet valid). Also check the local clock.",
    "チェーン内の証明書が有効期間外です (期限切れ、またはまだ有効になっていま"
    "せん)。ローカルの時刻も確認してください。")
SSPIGSS_STATUS(SEC_E_ENCRYPT_FAILURE, 0x80090329, 1,
    "Encrypting the message failed; the context may not offer "
    "confidentiality, or the buffers are not laid out as required.",
    "メッセージの暗号化に失敗しました。コンテキストが機密性 (暗号化) を提供し"
    "ていないか、バッファーの構成が要件を満たしていない可能性があります。")
SSPIGSS_STATUS(SEC_E_DECRYPT_FAILURE, 0x80090330, 1,
    "The message could not be decrypted: it is corrupted, was encrypted with "
    "another key, or belongs to another context.",
    "メッセージを復号できませんでした。データが破損しているか、別の鍵で暗号化"
    "されているか、別のコンテキストのものです。")
SSPIGSS_STATUS(SEC_E_ALGORITHM_MISMATCH, 0x80090331, 1,
    "Client and server share no acceptable algorithm: no common TLS version "
    "or cipher suite, or no common Kerberos encryption type.",
    "クライアントとサーバーの間で使えるアルゴリズムがありません。共通の TLS "
    "バージョンや暗号スイート、または Kerberos の暗号化の種類がありません。")
SSPIGSS_STATUS(SEC_E_SECURITY_QOS_FAILED, 0x80090332, 1,
    "A property demanded through the ISC_REQ or ASC_REQ flags (for example "
    "mutual authentication or delegation) could not be provided, so the "
    "context was refused.",
    "ISC_REQ/ASC_REQ フラグで求められた性質 (相互認証や委任など) を満たせな"
    "かったため、コンテキストは確立されませんでした。")
SSPIGSS_STATUS(SEC_E_UNFINISHED_CONTEXT_DELETED, 0x80090333, 1,
    "The context was deleted before its handshake finished; the "
    "authentication attempt counts as failed.",
    "認証の途中でコンテキストが削除されたため、この認証は失敗したものとして扱"
    "われます。")
SSPIGSS_STATUS(SEC_E_NO_TGT_REPLY, 0x80090334, 1,
    "The server requires Kerberos user-to-user authentication, but the client "
    "received no server TGT to use for it.",
    "サーバーは Kerberos のユーザー間 (user-to-user) 認証を必要としています"
    "が、そのためのサーバーの TGT をクライアントが受け取っていません。")
SSPIGSS_STATUS(SEC_E_NO_IP_ADDRESSES, 0x80090335, 1,
    "The operation needs a local IP address (for example for address-bound "
    "Kerberos tickets), but none is configured.",
    "この操作にはローカルの IP アドレスが必要ですが (アドレス付きの Kerberos "
    "チケットなど)、設定されていません。")
SSPIGSS_STATUS(SEC_E_WRONG_CREDENTIAL_HANDLE, 0x80090336, 1,
    "A later handshake call passed a different credential handle from the one "
    "the context was started with.",
    "ハンドシェイクの途中の呼び出しで、コンテキスト開始時とは異なる資格情報ハ"
    "ンドルが渡されました。")
SSPIGSS_STATUS(SEC_E_CRYPTO_SYSTEM_INVALID, 0x80090337, 1,
    "A required encryption or checksum type is not available in the local "
    "cryptographic library, so the data cannot be processed.",
    "必要な暗号化方式またはチェックサムの種類がローカルの暗号ライブラリで利用"
    "できないため、データを処理できません。")
SSPIGSS_STATUS(SEC_E_MAX_REFERRALS_EXCEEDED, 0x80090338, 1,
    "Reaching the target needed too many cross-realm referrals; check the "
    "trust paths between realms.",
    "ターゲットに到達するまでのレルム間の紹介 (リフェラル) の回数が上限を超え"
    "ました。レルム間の信頼関係の設定を確認してください。")
SSPIGSS_STATUS(SEC_E_MUST_BE_KDC, 0x80090339, 1,
    "The operation can only run on a Kerberos KDC (domain controller), and "
    "this machine is not one.",
    "この操作は Kerberos の KDC (ドメイン コントローラー) 上でのみ実行できま"
    "すが、このコンピューターは KDC ではありません。")
SSPIGSS_STATUS(SEC_E_STRONG_CRYPTO_NOT_SUPPORTED, 0x8009033A, 1,
    "The peer insists on strong encryption that the local system cannot "
    "provide or has disabled by policy.",
    "相手側が強力な暗号化を必須としていますが、ローカル システムでは提供でき"
    "ないか、ポリシーで無効にされています。")
SSPIGSS_STATUS(SEC_E_TOO_MANY_PRINCIPALS, 0x8009033B, 1,
    "The KDC found more than one principal matching the name, so it cannot "
    "tell which account is meant.",
    "名前に一致するプリンシパルが KDC に複数存在するため、どのアカウントを指"
    "すか特定できません。")
SSPIGSS_STATUS(SEC_E_NO_PA_DATA, 0x8009033C, 1,
    "The Kerberos pre-authentication data needed to choose an encryption type "
    "(such as ETYPE-INFO2) was missing from the exchange.",
    "暗号化の種類を決めるために必要な Kerberos の事前認証データ (ETYPE-INFO2 "
    "など) が、やり取りの中に含まれていませんでした。")
SSPIGSS_STATUS(SEC_E_PKINIT_NAME_MISMATCH, 0x8009033D, 1,
    "In PKINIT (certificate logon), the client certificate's name or UPN does "
    "not match the principal named in the request.",
    "PKINIT (証明書によるログオン) で、クライアント証明書の名前または UPN が"
    "要求内のプリンシパル名と一致しません。")
SSPIGSS_STATUS(SEC_E_SMARTCARD_LOGON_REQUIRED, 0x8009033E, 1,
    "The account may only log on with a smart card (certificate), but a "
    "password or other credential was used.",
    "このアカウントはスマート カード (証明書) でのみログオンできますが、パス"
    "ワードなど別の資格情報が使われました。")
SSPIGSS_STATUS(SEC_E_SHUTDOWN_IN_PROGRESS, 0x8009033F, 1,
    "The request was refused because the system or the authentication service "
    "is shutting down.",
    "システムまたは認証サービスがシャットダウン中のため、要求は拒否されまし"
    "た。")
SSPIGSS_STATUS(SEC_E_KDC_INVALID_REQUEST, 0x80090340, 1,
    "The KDC rejected the request as malformed or not permitted.",
    "KDC は、形式が正しくないか許可されていない要求として、この要求を拒否しま"
    "した。")
SSPIGSS_STATUS(SEC_E_KDC_UNABLE_TO_REFER, 0x80090341, 1,
    "The KDC found no referral path to the realm of the requested service.",
    "要求されたサービスのレルムへの紹介 (リフェラル) の経路を KDC が見つけら"
    "れませんでした。")
SSPIGSS_STATUS(SEC_E_KDC_UNKNOWN_ETYPE, 0x80090342, 1,
    "The KDC supports none of the requested Kerberos encryption types; "
    "compare the enctypes in krb5.conf with the account's keys.",
    "要求された Kerberos の暗号化の種類を KDC がどれもサポートしていません。"
    "krb5.conf の暗号化の種類の設定とアカウントの鍵を確認してください。")
SSPIGSS_STATUS(SEC_E_UNSUPPORTED_PREAUTH, 0x80090343, 1,
    "The Kerberos pre-authentication method offered is not one that the "
    "client or the KDC supports.",
    "提示された Kerberos の事前認証方式は、クライアントまたは KDC がサポート"
    "していません。")
SSPIGSS_STATUS(SEC_E_DELEGATION_REQUIRED, 0x80090345, 1,
    "This step needs the client's credentials to be forwarded, but delegation "
    "is not enabled for the service or is forbidden for the user.",
    "この処理にはクライアントの資格情報の委任が必要ですが、サービスで委任が有"
    "効になっていないか、ユーザーに対して禁止されています。")
SSPIGSS_STATUS(SEC_E_BAD_BINDINGS, 0x80090346, 1,
    "The channel binding data (for example from the TLS channel) differs "
    "between client and server; look for a proxy or TLS terminator in "
    "between.",
    "チャネル バインディングのデータ (TLS チャネルの情報など) がクライアント"
    "とサーバーで一致しません。間にプロキシや TLS 終端装置がないか確認してく"
    "ださい。")
SSPIGSS_STATUS(SEC_E_MULTIPLE_ACCOUNTS, 0x80090347, 1,
    "The certificate maps to more than one user account, so the account to "
    "log on cannot be chosen.",
    "証明書が複数のユーザー アカウントに対応付けられているため、ログオンする"
    "アカウントを決められません。")
SSPIGSS_STATUS(SEC_E_NO_KERB_KEY, 0x80090348, 1,
    "No Kerberos key is available for the principal; for a service, check "
    "that its keytab holds a key of the right name and version.",
    "プリンシパルの Kerberos 鍵が見つかりません。サービスの場合、キータブに正"
    "しい名前とバージョンの鍵があるか確認してください。")
SSPIGSS_STATUS(SEC_E_CERT_WRONG_USAGE, 0x80090349, 1,
    "The certificate's key usage or extended key usage does not permit this "
    "purpose, for example a client certificate used by a server.",
    "証明書の鍵用途 (Key Usage) または拡張鍵用途 (EKU) が、この目的での使用を"
    "許可していません (サーバーがクライアント証明書を使った場合など)。")
SSPIGSS_STATUS(SEC_E_DOWNGRADE_DETECTED, 0x80090350, 1,
    "A possible downgrade was detected: the SPNEGO mechListMIC or the TLS "
    "downgrade check failed. A lost link to the KDC can also cause it.",
    "ダウングレードの可能性が検出されました。SPNEGO の mechListMIC または TLS "
    "のダウングレード検査に失敗しています。KDC との接続が失われた場合にも発生"
    "することがあります。")
SSPIGSS_STATUS(SEC_E_SMARTCARD_CERT_REVOKED, 0x80090351, 1,
    "The smart card certificate used to log on has been revoked by its "
    "issuer.",
    "ログオンに使用したスマート カード証明書は、発行元によって失効させられて"
    "います。")
SSPIGSS_STATUS(SEC_E_ISSUING_CA_UNTRUSTED, 0x80090352, 1,
    "The CA that issued the smart card (client) certificate is not trusted "
    "for logon.",
    "スマート カード (クライアント) 証明書を発行した CA は、ログオン用として"
    "信頼されていません。")
SSPIGSS_STATUS(SEC_E_REVOCATION_OFFLINE_C, 0x80090353, 1,
    "The revocation status of the smart card certificate could not be "
    "checked; the CRL or OCSP responder was unreachable.",
    "スマート カード証明書の失効状態を確認できませんでした。CRL または OCSP "
    "レスポンダーに到達できませんでした。")
SSPIGSS_STATUS(SEC_E_PKINIT_CLIENT_FAILURE, 0x80090354, 1,
    "The KDC did not accept the client certificate presented for PKINIT "
    "(certificate logon).",
    "PKINIT (証明書によるログオン) で提示されたクライアント証明書を KDC が受"
    "け入れませんでした。")
SSPIGSS_STATUS(SEC_E_SMARTCARD_CERT_EXPIRED, 0x80090355, 1,
    "The smart card certificate used to log on has expired and can no longer "
    "be used.",
    "ログオンに使用したスマート カード証明書は期限切れのため、使用できませ"
    "ん。")
SSPIGSS_STATUS(SEC_E_NO_S4U_PROT_SUPPORT, 0x80090356, 1,
    "The KDC does not support the Kerberos S4U extensions (protocol "
    "transition, constrained delegation) the service asked for.",
    "サービスが要求した Kerberos の S4U 拡張 (プロトコル遷移や制約付き委任) "
    "を KDC がサポートしていません。")
SSPIGSS_STATUS(SEC_E_CROSSREALM_DELEGATION_FAILURE, 0x80090357, 1,
    "Constrained delegation was attempted to a service in another realm, "
    "which is not allowed.",
    "別のレルムにあるサービスへの制約付き委任が試みられましたが、これは許可さ"
    "れていません。")
SSPIGSS_STATUS(SEC_E_REVOCATION_OFFLINE_KDC, 0x80090358, 1,
    "The revocation status of the KDC's certificate could not be checked "
    "during certificate logon.",
    "証明書によるログオン中に、KDC の証明書の失効状態を確認できませんでした。")
SSPIGSS_STATUS(SEC_E_ISSUING_CA_UNTRUSTED_KDC, 0x80090359, 1,
    "The CA that issued the KDC's certificate is not trusted by the client.",
    "KDC の証明書を発行した CA をクライアントが信頼していません。")
SSPIGSS_STATUS(SEC_E_KDC_CERT_EXPIRED, 0x8009035A, 1,
    "The certificate the KDC presented during certificate logon has expired.",
    "証明書によるログオン中に KDC が提示した証明書の有効期限が切れています。")
SSPIGSS_STATUS(SEC_E_KDC_CERT_REVOKED, 0x8009035B, 1,
    "The certificate the KDC presented during certificate logon has been "
    "revoked.",
    "証明書によるログオン中に KDC が提示した証明書は失効しています。")
SSPIGSS_STATUS(SEC_E_INVALID_PARAMETER, 0x8009035D, 0,
    "An argument is invalid: a required pointer is NULL, a flag or value is "
    "out of range, or a buffer descriptor is malformed.",
    "引数が無効です。必須のポインターが NULL であるか、フラグや値が範囲外であ"
    "るか、バッファー記述子の形式が正しくありません。")
SSPIGSS_STATUS(SEC_E_DELEGATION_POLICY, 0x8009035E, 0,
    "Policy does not allow delegating the client's credentials to this "
    "target.",
    "ポリシーにより、このターゲットへのクライアントの資格情報の委任は許可され"
    "ていません。")
SSPIGSS_STATUS(SEC_E_POLICY_NLTM_ONLY, 0x8009035F, 0,
    "Policy refused credential delegation because the target server could "
    "only be authenticated with NTLM.",
    "ターゲット サーバーを NTLM でしか認証できなかったため、ポリシーにより資"
    "格情報の委任が拒否されました。")
SSPIGSS_STATUS(SEC_E_NO_CONTEXT, 0x80090361, 0,
    "The security context this request needs does not exist or was already "
    "deleted.",
    "この要求に必要なセキュリティ コンテキストが存在しないか、既に削除されて"
    "います。")
SSPIGSS_STATUS(SEC_E_PKU2U_CERT_FAILURE, 0x80090362, 0,
    "PKU2U (peer-to-peer certificate authentication) failed while using the "
    "certificates involved.",
    "PKU2U (証明書によるピア間認証) で、関係する証明書の処理に失敗しました。")
SSPIGSS_STATUS(SEC_E_MUTUAL_AUTH_FAILED, 0x80090363, 0,
    "The server could not prove its identity: its mutual authentication reply "
    "was missing or failed verification.",
    "サーバーの身元を確認できませんでした。相互認証の応答がないか、その検証に"
    "失敗しました。")
SSPIGSS_STATUS(SEC_E_ONLY_HTTPS_ALLOWED, 0x80090365, 0,
    "This authentication is allowed only over HTTPS, and the connection does "
    "not use it.",
    "この認証は HTTPS 経由でのみ許可されていますが、この接続は HTTPS を使用し"
    "ていません。")
SSPIGSS_STATUS(SEC_E_APPLICATION_PROTOCOL_MISMATCH, 0x80090367, 0,
    "TLS application protocol negotiation (ALPN) failed: client and server "
    "have no protocol in common.",
    "TLS のアプリケーション プロトコル ネゴシエーション (ALPN) に失敗しまし"
    "た。クライアントとサーバーに共通のプロトコルがありません。")
SSPIGSS_STATUS(SEC_E_INVALID_UPN_NAME, 0x80090369, 0,
    "The user name is not a valid user principal name (user@domain); try "
    "another form of the name.",
    "ユーザー名が有効なユーザー プリンシパル名 (user@domain の形式) ではあり"
    "ません。別の形式の名前を試してください。")
SSPIGSS_STATUS(SEC_E_EXT_BUFFER_TOO_SMALL, 0x8009036A, 0,
    "The buffer given to receive TLS generic extensions is too small for the "
    "extension data that arrived.",
    "TLS の汎用拡張を受け取るために渡されたバッファーが、受信した拡張データに"
    "対して小さすぎます。")
SSPIGSS_STATUS(SEC_E_INSUFFICIENT_BUFFERS, 0x8009036B, 0,
    "The buffer descriptor lacks buffers the operation needs (too few, or not "
    "of the required types); add the missing SecBuffer entries.",
    "バッファー記述子に、操作に必要なバッファーが足りません (数または種類が不"
    "足しています)。不足している SecBuffer を追加してください。")

/* The certificate chain engine's revocation codes (CRYPT_E_, winerror.h;
 * defined in <sspigss/wincrypt.h>), not SSPI codes: Schannel's
 * InitializeSecurityContext returns them as they are when a credential
 * asks for revocation checking, and a server's certificate_revoked alert
 * arrives as CRYPT_E_REVOKED. Listed so that every code sspigss returns
 * has a name and a message. */
SSPIGSS_STATUS(CRYPT_E_REVOKED, 0x80092010, 0,
    "A certificate of the peer's chain has been revoked by its issuer (its "
    "CRL lists it); the connection must not be trusted.",
    "相手の証明書チェーンに含まれる証明書が発行者によって失効されています "
    "(CRL に記載されています)。この接続は信頼できません。")
SSPIGSS_STATUS(CRYPT_E_NO_REVOCATION_CHECK, 0x80092012, 0,
    "Revocation was to be checked but no CRL covers a certificate of the "
    "chain; install the issuer's CRL next to the trusted roots, or accept "
    "the risk with SCH_CRED_IGNORE_NO_REVOCATION_CHECK.",
    "失効を確認するよう指定されていますが、チェーン内の証明書を対象とする "
    "CRL がありません。発行者の CRL を信頼されたルートと同じ場所に置くか、"
    "SCH_CRED_IGNORE_NO_REVOCATION_CHECK で危険を承知のうえ続行してくださ"
    "い。")
SSPIGSS_STATUS(CRYPT_E_REVOCATION_OFFLINE, 0x80092013, 0,
    "Revocation could not be decided: the CRL at hand is out of date (the "
    "revocation server was unreachable); refresh it, or accept the risk "
    "with SCH_CRED_IGNORE_REVOCATION_OFFLINE.",
    "失効を判断できません。手元の CRL の有効期限が切れています (失効サーバー"
    "に到達できませんでした)。CRL を更新するか、"
    "SCH_CRED_IGNORE_REVOCATION_OFFLINE で危険を承知のうえ続行してくださ"
    "い。")

/* SSPIGSS_STATUS_ALIAS(alias_symbol, primary_symbol, ref, english,
 *                      japanese): another name for a primary row. */
SSPIGSS_STATUS_ALIAS(SEC_E_NOT_SUPPORTED, SEC_E_UNSUPPORTED_FUNCTION, 1,
    "Older name for SEC_E_UNSUPPORTED_FUNCTION: the package has no support "
    "for this request.",
    "SEC_E_UNSUPPORTED_FUNCTION の旧名です。パッケージはこの要求に対応してい"
    "ません。")
SSPIGSS_STATUS_ALIAS(SEC_E_NO_SPM, SEC_E_INTERNAL_ERROR, 0,
    "Older name for SEC_E_INTERNAL_ERROR, from when it meant the security "
    "package manager could not be reached; now a general internal failure.",
    "SEC_E_INTERNAL_ERROR の旧名です (以前はセキュリティ パッケージ マネー"
    "ジャーに接続できないことを表していました)。現在は一般的な内部エラーを表"
    "します。")
