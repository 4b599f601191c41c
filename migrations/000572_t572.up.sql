CREATE TABLE t572 (id bigint PRIMARY KEY, name text NOT NULL);
