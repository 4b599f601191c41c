CREATE TABLE t199 (id bigint PRIMARY KEY, name text NOT NULL);
