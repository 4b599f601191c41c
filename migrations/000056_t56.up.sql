CREATE TABLE t56 (id bigint PRIMARY KEY, name text NOT NULL);
