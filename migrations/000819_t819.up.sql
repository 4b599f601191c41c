CREATE TABLE t819 (id bigint PRIMARY KEY, name text NOT NULL);
