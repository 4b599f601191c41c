CREATE TABLE t864 (id bigint PRIMARY KEY, name text NOT NULL);
