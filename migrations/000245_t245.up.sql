CREATE TABLE t245 (id bigint PRIMARY KEY, name text NOT NULL);
