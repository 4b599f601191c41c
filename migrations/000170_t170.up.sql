CREATE TABLE t170 (id bigint PRIMARY KEY, name text NOT NULL);
