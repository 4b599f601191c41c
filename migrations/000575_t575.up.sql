CREATE TABLE t575 (id bigint PRIMARY KEY, name text NOT NULL);
