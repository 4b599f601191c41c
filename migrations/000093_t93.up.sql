CREATE TABLE t93 (id bigint PRIMARY KEY, name text NOT NULL);
