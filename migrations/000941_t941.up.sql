CREATE TABLE t941 (id bigint PRIMARY KEY, name text NOT NULL);
