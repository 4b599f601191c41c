CREATE TABLE t787 (id bigint PRIMARY KEY, name text NOT NULL);
