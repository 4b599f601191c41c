CREATE TABLE t843 (id bigint PRIMARY KEY, name text NOT NULL);
