CREATE TABLE t894 (id bigint PRIMARY KEY, name text NOT NULL);
