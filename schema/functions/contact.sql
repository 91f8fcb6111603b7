-- Contact around a referral (server/api/contact.c; docs/architecture.md, "Contact around a
-- referral"): a node's and an account's contact, and the two sides of a referral as each sees
-- them.

-- A node's contact as the other side of a referral sees it: name, address, phone, e-mail.
CREATE FUNCTION node_contact_json(p_node uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', n.id, 'name', n.name, 'street', n.street,
                             'postal_code', n.postal_code, 'city', n.city,
                             'phone', n.phone, 'email', n.email)
      FROM node n WHERE n.id = p_node;
$$;

-- An account's contact: display name, phone, e-mail.
CREATE FUNCTION account_contact_json(a account) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', a.id, 'display_name', a.display_name, 'phone', a.phone,
                             'email', a.email);
$$;

-- The same for account p_account (NULL for no account).
CREATE FUNCTION account_contact_json(p_account uuid) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT account_contact_json(a) FROM account a WHERE a.id = p_account;
$$;

-- The contacts of referral r: the sender's node and the account that sent it, always; the
-- receiver's node and the receiving account (the last of its accounts that acted on the
-- referral: a move or a message) once the receiver has acted, NULL before.
CREATE FUNCTION referral_contact_json(r referral) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'sender', json_build_object('node', node_contact_json(r.from_node_id),
                                    'account', account_contact_json(r.created_by)),
        'receiver', CASE WHEN last_receiver.actor_node IS NOT NULL THEN
            json_build_object('node', node_contact_json(r.to_node_id),
                              'account', account_contact_json(last_receiver.actor_account))
            END)
      FROM (SELECT NULL) one
      LEFT JOIN LATERAL (SELECT e.actor_node, e.actor_account FROM referral_event e
                          WHERE e.referral_id = r.id AND e.actor_node = r.to_node_id
                          ORDER BY e.id DESC LIMIT 1) last_receiver ON true;
$$;
