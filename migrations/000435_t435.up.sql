CREATE TABLE t435 (id bigint PRIMARY KEY, name text NOT NULL);
