CREATE TABLE t63 (id bigint PRIMARY KEY, name text NOT NULL);
