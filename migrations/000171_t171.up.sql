CREATE TABLE t171 (id bigint PRIMARY KEY, name text NOT NULL);
